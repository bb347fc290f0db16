// SPDX-License-Identifier: Apache-2.0
// BERT's WordPiece tokenizer, token for token as Hugging Face's `tokenizers` encodes with a BERT
// tokenizer.json (tests/serve: a golden of ~1,700 strings for all-MiniLM-L6-v2).
//
// encode: the added tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) are matched in the raw text first;
// the rest is normalised as BertNormalizer does (drop NUL, U+FFFD and Cc/Cf/Co characters other
// than \t \n \r; every White_Space character becomes ' '; spaces around CJK ideographs; with
// lower-casing also NFD and dropping Mn marks; per-character full lower case), split at whitespace
// and around every punctuation character (ASCII punctuation or Unicode P*), and each word becomes
// its longest vocabulary prefixes ("##" on continuations), or one [UNK] when some part has no entry
// or the word is longer than 100 characters. With add_special: [CLS] ... [SEP]. No truncation here
// (the embedding model cuts to its maximum sequence).
// Unicode tables: utf8proc (Unicode 15); HF's own tables may differ for characters newer than that.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

struct WordPieceOptions {
  bool lowercase = true;      // also strips accents (HF: strip_accents null follows lowercase)
  bool strip_accents = true;
  bool clean_text = true;
  bool handle_chinese_chars = true;
  std::string unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]";
  std::string continuing_prefix = "##";
  int max_chars_per_word = 100;
  std::vector<std::string> added_tokens;  // matched in the raw text (default: unk, cls, sep, pad, "[MASK]")
};

class WordPieceTokenizer final : public Tokenizer {
 public:
  /// vocab[i] is token i. Throws std::invalid_argument if unk/cls/sep are not in it.
  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options);
  /// From a Hugging Face tokenizer.json with a WordPiece model and a BertNormalizer.
  static std::unique_ptr<WordPieceTokenizer> from_tokenizer_json(const std::string& path);
  /// From a vocab.txt (one token per line) with BERT's default options.
  static std::unique_ptr<WordPieceTokenizer> from_vocab_txt(const std::string& path, bool lowercase = true);

  std::vector<int> encode(const std::string& text, bool add_special) const override;
  /// Tokens joined by spaces, "##" continuations glued to the previous token, special tokens skipped.
  std::string decode(const std::vector<int>& ids) const override;
  int vocab_size() const override { return static_cast<int>(vocab_.size()); }
  std::vector<int> stop_ids() const override { return {}; }

  int cls_id() const { return cls_; }
  int sep_id() const { return sep_; }
  int pad_id() const { return pad_; }
  /// The normalised text (BertNormalizer), for tests.
  std::string normalize(std::string_view text) const;

 private:
  void encode_words(std::string_view text, std::vector<int>& out) const;
  void encode_word(const std::u32string& word, std::vector<int>& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int> ids_;
  WordPieceOptions options_;
  std::vector<std::pair<std::string, int>> added_;  // longest first
  int unk_ = -1, cls_ = -1, sep_ = -1, pad_ = -1;
};

}  // namespace robomlx::serve
