// SPDX-License-Identifier: Apache-2.0
// SentencePiece BPE (Gemma's tokenizer) from a GGUF's tokenizer metadata (tokenizer.ggml.model =
// "llama": tokens, scores, token types; no merge list), token for token as the Python
// `sentencepiece` package encodes with the same pieces (tests/serve: a golden of ~3,000 strings).
//
// encode: control and user-defined tokens are matched in the text first, longest first (Gemma's
// "<start_of_turn>" in a chat prompt, and its user-defined runs of newlines, spaces and tabs and
// HTML tags, which SentencePiece freezes as whole symbols). Between them, spaces become U+2581 "▁"
// (a dummy "▁" before the text's start only when tokenizer.ggml.add_space_prefix is true, not for
// Gemma; no pre-tokenizer split), the text is cut into UTF-8 characters, and adjacent symbols merge while their
// concatenation is a normal piece, the pair whose piece has the highest score first (leftmost
// among equals). A final symbol that is no piece becomes its UTF-8 bytes' <0xNN> tokens (byte
// fallback). Invalid UTF-8 in the input is replaced by U+FFFD first.
// decode: pieces with "▁" back to spaces, byte tokens to their bytes; control tokens are skipped.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <mlx/io.h>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

/// A SentencePiece vocabulary as GGUF stores it (tokenizer.ggml.*).
struct SpmVocabulary {
  std::vector<std::string> tokens;  // pieces, "▁" for a space; byte tokens as "<0x0A>"
  std::vector<float> scores;        // merge priority of normal pieces (higher first)
  std::vector<int> token_types;     // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
  int bos = -1;
  int eos = -1;
  int unk = -1;
  bool add_bos = true;
  bool add_space_prefix = false;
  std::vector<int> extra_stop_ids;  // besides eos (Gemma: <end_of_turn>)
};

class SpmTokenizer final : public Tokenizer {
 public:
  /// Throws std::invalid_argument when lengths differ or a byte token is missing.
  explicit SpmTokenizer(SpmVocabulary vocab);
  ~SpmTokenizer() override;
  /// From GGUF metadata (tokenizer.ggml.model must be "llama"); <end_of_turn>, when the vocabulary
  /// has it, also stops generation.
  static std::unique_ptr<SpmTokenizer> from_gguf(const std::unordered_map<std::string, mlx::core::GGUFMetaData>& meta);

  std::vector<int> encode(const std::string& text, bool add_special) const override;
  std::string decode(const std::vector<int>& ids) const override;
  int vocab_size() const override { return static_cast<int>(vocab_.tokens.size()); }
  std::vector<int> stop_ids() const override;

  /// Id of a token given by its text ("<end_of_turn>"), or -1.
  int token_id(std::string_view text) const;

 private:
  void encode_plain(std::string_view text, bool at_start, std::vector<int>& out) const;

  SpmVocabulary vocab_;
  std::unordered_map<std::string, int> normal_;  // normal pieces -> id (merge targets)
  std::unordered_map<std::string, int> all_;     // every token text -> id
  std::vector<std::vector<std::pair<std::string, int>>> specials_;  // by first byte, longest first
  int byte_ids_[256] = {};
};

}  // namespace robomlx::serve
