// SPDX-License-Identifier: Apache-2.0
// Byte-level BPE (GPT-2 family) from a GGUF's tokenizer metadata, token for token as Hugging Face's
// `tokenizers` encodes with the same vocabulary (tests/serve: a golden of ~1,700 strings).
//
// encode: the vocabulary's control and user-defined tokens are matched in the text first (the
// ChatML markers of a chat prompt become their ids, as HF's added tokens do); the text between them
// is split by the pre-tokenizer regex (PCRE2, Unicode classes), each piece's UTF-8 bytes become
// byte tokens and are merged by rank (lowest rank first, leftmost first among equals).
// Pre-tokenizers: "gpt2", and "smollm" (every \p{N} character on its own, then the GPT-2 regex).
// Invalid UTF-8 in the input is replaced by U+FFFD first.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <mlx/io.h>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

/// A byte-level BPE vocabulary as GGUF stores it (tokenizer.ggml.*).
struct BpeVocabulary {
  std::vector<std::string> tokens;  // in GPT-2's byte-to-unicode spelling ("Ġthe")
  std::vector<std::string> merges;  // "left right", by rank (first = merged first)
  std::vector<int> token_types;     // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
  std::string pre = "gpt2";         // tokenizer.ggml.pre
  int bos = -1;
  int eos = -1;
  bool add_bos = false;
  std::vector<int> extra_stop_ids;  // besides eos (e.g. <|endoftext|>)
};

class BpeTokenizer final : public Tokenizer {
 public:
  /// Throws std::invalid_argument for an unknown pre-tokenizer or a vocabulary missing byte tokens.
  explicit BpeTokenizer(BpeVocabulary vocab);
  ~BpeTokenizer() override;
  /// From load_gguf's metadata (tokenizer.ggml.model must be "gpt2").
  static std::unique_ptr<BpeTokenizer> from_gguf(const std::unordered_map<std::string, mlx::core::GGUFMetaData>& meta);

  std::vector<int> encode(const std::string& text, bool add_special) const override;
  std::string decode(const std::vector<int>& ids) const override;
  int vocab_size() const override { return static_cast<int>(bytes_.size()); }
  std::vector<int> stop_ids() const override;

  /// Id of a token given by its text ("<|im_end|>"), or -1.
  int token_id(std::string_view text) const;
  /// The raw bytes token `id` stands for ("" for control tokens).
  const std::string& token_bytes(int id) const;
  /// The ids a piece of plain text (no special tokens, already pre-tokenized) merges to.
  std::vector<int> merge_piece(std::string_view bytes) const;

 private:
  struct Regex;
  void encode_plain(std::string_view text, std::vector<int>& out) const;

  BpeVocabulary vocab_;
  std::vector<std::string> bytes_;             // id -> raw bytes
  std::unordered_map<std::string, int> ids_;   // raw bytes -> id (normal and byte tokens)
  std::vector<std::pair<std::string, int>> specials_;  // matched in text, longest first
  int byte_ids_[256] = {};
  std::unordered_map<std::uint64_t, std::pair<int, int>> merges_;  // (left, right) -> (rank, merged id)
  std::unique_ptr<Regex> split_;   // the GPT-2 regex
  std::unique_ptr<Regex> digits_;  // "smollm": \p{N}
};

}  // namespace robomlx::serve
