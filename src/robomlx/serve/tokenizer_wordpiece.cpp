// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/tokenizer_wordpiece.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "robomlx/serve/json_field_internal.h"
#include "robomlx/serve/tokenizer_text_internal.h"

namespace robomlx::serve {

namespace {
bool is_white_space(char32_t c) {  // Unicode White_Space (Rust's char::is_whitespace)
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// BertNormalizer's "control": Cc, Cf, Co (and surrogates), but not \t \n \r; unassigned code
// points stay (checked against tokenizers 0.23.3: U+0378 and U+FFFF are kept, U+E000 removed).
bool is_removed_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CO ||
         cat == UTF8PROC_CATEGORY_CS;
}

bool is_chinese_char(char32_t c) {  // the CJK ideograph blocks BERT pads with spaces
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_punctuation(char32_t c) {
  if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

std::u32string nfd(const std::u32string& text) {
  std::string utf8;
  for (char32_t c : text) detail::utf8_append(utf8, c);
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()), static_cast<utf8proc_ssize_t>(utf8.size()),
                              &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  if (n < 0) return text;  // cannot happen for valid UTF-8 without NUL handling issues
  const std::string mapped(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
  std::free(out);
  const auto cps = detail::utf8_decode(mapped);
  return std::u32string(cps.begin(), cps.end());
}
}  // namespace

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i) ids_.emplace(vocab_[i], static_cast<int>(i));
  auto need = [&](const std::string& tok) {
    auto it = ids_.find(tok);
    if (it == ids_.end()) throw std::invalid_argument("tokenizer: WordPiece vocabulary has no " + tok);
    return it->second;
  };
  unk_ = need(options_.unk);
  cls_ = need(options_.cls);
  sep_ = need(options_.sep);
  pad_ = ids_.count(options_.pad) ? ids_.at(options_.pad) : -1;
  if (options_.added_tokens.empty()) options_.added_tokens = {options_.pad, options_.unk, options_.cls, options_.sep, "[MASK]"};
  for (const auto& t : options_.added_tokens)
    if (auto it = ids_.find(t); it != ids_.end()) added_.emplace_back(t, it->second);
  std::stable_sort(added_.begin(), added_.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::from_tokenizer_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("tokenizer: cannot read " + path);
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("model") ||
      detail::json_field(j["model"], "type", std::string(), "tokenizer", path) != "WordPiece")
    throw std::invalid_argument("tokenizer: " + path + " is not a WordPiece tokenizer.json");
  const auto& model = j["model"];
  if (!model.contains("vocab") || !model["vocab"].is_object())
    throw std::invalid_argument("tokenizer: " + path + ": 'model.vocab' must be an object of token: id");
  std::vector<std::string> vocab(model["vocab"].size());
  for (const auto& [tok, id] : model["vocab"].items()) {
    if (!id.is_number_integer()) throw std::invalid_argument("tokenizer: " + path + ": the id of '" + tok + "' is not an integer");
    const std::int64_t i = id.get<std::int64_t>();
    if (i < 0 || i >= static_cast<std::int64_t>(vocab.size())) throw std::invalid_argument("tokenizer: " + path + ": vocabulary ids are not 0..n-1");
    vocab[i] = tok;
  }
  WordPieceOptions o;
  o.unk = detail::json_field(model, "unk_token", o.unk, "tokenizer", path);
  o.continuing_prefix = detail::json_field(model, "continuing_subword_prefix", o.continuing_prefix, "tokenizer", path);
  o.max_chars_per_word = detail::json_field(model, "max_input_chars_per_word", o.max_chars_per_word, "tokenizer", path);
  if (j.contains("normalizer") && j["normalizer"].is_object()) {
    const auto& n = j["normalizer"];
    o.lowercase = detail::json_field(n, "lowercase", true, "tokenizer", path);
    o.clean_text = detail::json_field(n, "clean_text", true, "tokenizer", path);
    o.handle_chinese_chars = detail::json_field(n, "handle_chinese_chars", true, "tokenizer", path);
    o.strip_accents = n.contains("strip_accents") && n["strip_accents"].is_boolean() ? n["strip_accents"].get<bool>() : o.lowercase;
  }
  if (j.contains("added_tokens"))
    for (const auto& t : j["added_tokens"]) o.added_tokens.push_back(t.value("content", ""));
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), std::move(o));
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::from_vocab_txt(const std::string& path, bool lowercase) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("tokenizer: cannot read " + path);
  std::vector<std::string> vocab;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(line);
  }
  WordPieceOptions o;
  o.lowercase = o.strip_accents = lowercase;
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), std::move(o));
}

std::string WordPieceTokenizer::normalize(std::string_view text) const {
  std::u32string s;
  for (char32_t c : detail::utf8_decode(text)) {
    if (options_.clean_text) {
      if (c == 0 || c == 0xFFFD || is_removed_control(c)) continue;
      if (is_white_space(c)) c = ' ';
    }
    if (options_.handle_chinese_chars && is_chinese_char(c)) {
      s += U' ';
      s += c;
      s += U' ';
    } else {
      s += c;
    }
  }
  if (options_.strip_accents) {
    std::u32string kept;
    for (char32_t c : nfd(s))
      if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) != UTF8PROC_CATEGORY_MN) kept += c;
    s = std::move(kept);
  }
  std::string out;
  for (char32_t c : s) {
    if (!options_.lowercase) {
      detail::utf8_append(out, c);
    } else if (c == 0x130) {  // the one unconditional multi-character lower case: İ -> i + U+0307
      out += 'i';
      detail::utf8_append(out, 0x307);
    } else {
      detail::utf8_append(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return out;
}

void WordPieceTokenizer::encode_word(const std::u32string& word, std::vector<int>& out) const {
  if (word.empty()) return;
  if (static_cast<int>(word.size()) > options_.max_chars_per_word) {
    out.push_back(unk_);
    return;
  }
  std::vector<int> pieces;
  std::size_t start = 0;
  while (start < word.size()) {
    int found = -1;
    std::size_t end = word.size();
    for (; end > start; --end) {
      std::string sub = start > 0 ? options_.continuing_prefix : std::string();
      for (std::size_t k = start; k < end; ++k) detail::utf8_append(sub, word[k]);
      if (auto it = ids_.find(sub); it != ids_.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {  // some part has no entry: the whole word is unknown
      out.push_back(unk_);
      return;
    }
    pieces.push_back(found);
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

void WordPieceTokenizer::encode_words(std::string_view text, std::vector<int>& out) const {
  const auto cps = detail::utf8_decode(normalize(text));
  std::u32string word;
  for (char32_t c : cps) {
    if (is_white_space(c)) {
      encode_word(word, out);
      word.clear();
    } else if (is_punctuation(c)) {
      encode_word(word, out);
      word.assign(1, c);
      encode_word(word, out);
      word.clear();
    } else {
      word += c;
    }
  }
  encode_word(word, out);
}

std::vector<int> WordPieceTokenizer::encode(const std::string& raw, bool add_special) const {
  const std::string text = detail::utf8_sanitize(raw);
  std::vector<int> out;
  if (add_special) out.push_back(cls_);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t best = std::string::npos;
    const std::pair<std::string, int>* hit = nullptr;
    for (const auto& a : added_) {
      const std::size_t at = text.find(a.first, pos);
      if (at < best) {
        best = at;
        hit = &a;
      }
    }
    encode_words(std::string_view(text).substr(pos, best == std::string::npos ? std::string::npos : best - pos), out);
    if (!hit) break;
    out.push_back(hit->second);
    pos = best + hit->first.size();
  }
  if (add_special) out.push_back(sep_);
  return out;
}

std::string WordPieceTokenizer::decode(const std::vector<int>& ids) const {
  std::set<int> special;
  for (const auto& a : added_) special.insert(a.second);
  std::string out;
  const auto& prefix = options_.continuing_prefix;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) throw std::invalid_argument("tokenizer: token id " + std::to_string(id) + " out of range");
    if (special.count(id)) continue;
    const std::string& tok = vocab_[id];
    if (!out.empty() && tok.compare(0, prefix.size(), prefix) == 0) {
      out += tok.substr(prefix.size());
    } else {
      if (!out.empty()) out += ' ';
      out += tok;
    }
  }
  return out;
}

}  // namespace robomlx::serve
