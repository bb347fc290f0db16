// SPDX-License-Identifier: Apache-2.0
// CLIP's byte-level BPE tokenizer from a Hugging Face folder (vocab.json + merges.txt), id for id
// as `CLIPTokenizer` (tokenizers backend) encodes:
//   normalise: NFC, every run of white space -> one space, lower case (Unicode simple mapping);
//   split:     <|startoftext|> | <|endoftext|> | 's 't 're 've 'm 'll 'd | letters+ | one digit |
//              runs of other non-space characters (white space is dropped);
//   each piece: its UTF-8 bytes in GPT-2's byte-to-unicode spelling, "</w>" appended to the last
//              symbol, merged by rank (lowest first, leftmost among equals);
//   wrap:      <|startoftext|> ids... <|endoftext|>, truncated to BOS + the first (length - 2)
//              tokens + EOS; batches are padded with <|endoftext|> (mask 0).
// Not reproduced: ftfy / HTML unescaping (open_clip's SimpleTokenizer does them; CLIPTokenizer
// does not). Invalid UTF-8 becomes U+FFFD before normalising.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <mlx/array.h>

namespace robomlx::vision {

namespace mx = mlx::core;

/// Token ids of several texts, padded to one length.
struct ClipTokenBatch {
  mx::array input_ids;       // int32 [N, length]
  mx::array attention_mask;  // int32 [N, length], 1 = real token (BOS and EOS included)
};

class ClipTokenizer {
 public:
  /// Reads `folder`/vocab.json and `folder`/merges.txt. FormatError "[vision.tokenizer] <file>: ..."
  /// when a file is missing or malformed (merges naming unknown tokens, no special tokens).
  static std::unique_ptr<ClipTokenizer> load(const std::string& folder);
  ~ClipTokenizer();

  /// BOS + tokens + EOS, truncated to `max_length` (>= 2) ids.
  std::vector<int> encode(std::string_view text, int max_length = 77) const;
  /// The BPE token strings of `text` (without BOS / EOS), e.g. {"cat</w>"}: for messages and tests.
  std::vector<std::string> token_strings(std::string_view text) const;
  // no stream: host tokenisation; the arrays are plain host data for the model's first op.
  ClipTokenBatch encode_batch(const std::vector<std::string>& texts, int length = 77) const;

  int bos_id() const { return bos_; }
  int eos_id() const { return eos_; }
  int vocab_size() const;

 private:
  struct Tables;
  ClipTokenizer() = default;
  std::vector<int> encode_pieces(std::string_view text) const;
  std::unique_ptr<Tables> t_;
  int bos_ = -1, eos_ = -1;
};

/// The normalised text (NFC, lower case) the split regex sees. HF also collapses white-space runs;
/// no split piece holds white space, so that changes no id and is left out.
std::string clip_normalize_text(std::string_view text);

}  // namespace robomlx::vision
