// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/clip_tokenizer.h"

#include <climits>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include "robomlx/core/error.h"
#include "robomlx/vision/vision_checkpoint_internal.h"

namespace robomlx::vision {

namespace {

constexpr const char* kTag = "vision.tokenizer";
// Unicode White_Space spelled out (PCRE2's \s leaves out U+0085, which HF's regex counts).
#define ROBOMLX_WS "\\t-\\r \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
constexpr const char* kSplitPattern =
    "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^" ROBOMLX_WS "\\p{L}\\p{N}]+";
#undef ROBOMLX_WS

struct Regex {
  pcre2_code* code = nullptr;
  explicit Regex(const char* pattern) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
    if (!code) throw std::logic_error("[vision.tokenizer] PCRE2 rejected the split pattern");
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  }
  ~Regex() { pcre2_code_free(code); }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // [begin, end) byte ranges of every match in `text` (valid UTF-8).
  std::vector<std::pair<std::size_t, std::size_t>> matches(std::string_view text) const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t pos = 0;
    while (pos <= text.size()) {
      int rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
      if (rc < 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      if (ov[1] == ov[0]) break;  // none of the patterns can match empty; be safe anyway
      out.emplace_back(ov[0], ov[1]);
      pos = ov[1];
    }
    pcre2_match_data_free(md);
    return out;
  }
};

// GPT-2's byte -> printable code point table (UTF-8 encoded): printable Latin-1 bytes stand for
// themselves, the other 68 bytes take code points 256, 257, ... in byte order.
std::vector<std::string> byte_symbols() {
  std::vector<std::string> table(256);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const int cp = printable ? b : next++;
    utf8proc_uint8_t buf[4];
    const auto n = utf8proc_encode_char(cp, buf);
    table[b] = std::string(reinterpret_cast<char*>(buf), std::size_t(n));
  }
  return table;
}

}  // namespace

struct ClipTokenizer::Tables {
  std::unordered_map<std::string, int> vocab;
  std::unordered_map<std::string, int> merge_rank;  // "left right" -> rank
  std::vector<std::string> byte_symbol = byte_symbols();
  Regex split{kSplitPattern};
};

ClipTokenizer::~ClipTokenizer() = default;
int ClipTokenizer::vocab_size() const { return int(t_->vocab.size()); }

std::unique_ptr<ClipTokenizer> ClipTokenizer::load(const std::string& folder) {
  std::unique_ptr<ClipTokenizer> tok(new ClipTokenizer());
  tok->t_ = std::make_unique<Tables>();
  const std::string vocab_path = folder + "/vocab.json", merges_path = folder + "/merges.txt";
  const auto vocab = detail::read_json_object(vocab_path, kTag);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() >= INT_MAX)
      throw FormatError(kTag, vocab_path, "token " + it.key() + " has no valid id");
    tok->t_->vocab[it.key()] = it->get<int>();
  }
  auto id_of = [&](const std::string& s) {
    auto it = tok->t_->vocab.find(s);
    if (it == tok->t_->vocab.end()) throw FormatError(kTag, vocab_path, "has no token " + s);
    return it->second;
  };
  tok->bos_ = id_of("<|startoftext|>");
  tok->eos_ = id_of("<|endoftext|>");
  for (const auto& s : tok->t_->byte_symbol) (void)id_of(s + "</w>"), (void)id_of(s);

  std::ifstream in(merges_path, std::ios::binary);
  if (!in) throw FormatError(kTag, merges_path, "missing (a CLIP tokenizer needs vocab.json and merges.txt)");
  std::string line;
  int rank = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    const auto sp = line.find(' ');
    if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos)
      throw FormatError(kTag, merges_path, "line " + std::to_string(line_no) + " is not 'left right'");
    if (!tok->t_->vocab.count(line.substr(0, sp) + line.substr(sp + 1)))
      throw FormatError(kTag, merges_path, "line " + std::to_string(line_no) + " merges to a token vocab.json lacks");
    tok->t_->merge_rank.emplace(line, rank++);
  }
  if (rank == 0) throw FormatError(kTag, merges_path, "holds no merges");
  return tok;
}

std::string clip_normalize_text(std::string_view text) {
  // NFC; utf8proc refuses invalid UTF-8 as a whole, so invalid bytes become U+FFFD first.
  std::string valid;
  valid.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i), utf8proc_ssize_t(text.size() - i), &cp);
    utf8proc_uint8_t buf[4];
    if (n <= 0) {
      valid.append(reinterpret_cast<char*>(buf), std::size_t(utf8proc_encode_char(0xFFFD, buf)));
      ++i;
      continue;
    }
    valid.append(text.data() + i, std::size_t(n));
    i += std::size_t(n);
  }
  utf8proc_uint8_t* nfc = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(valid.c_str()));
  std::string composed = nfc ? std::string(reinterpret_cast<char*>(nfc)) : valid;
  std::free(nfc);
  // Lower case, code point by code point (HF's Lowercase normaliser).
  std::string out;
  out.reserve(composed.size());
  for (std::size_t i = 0; i < composed.size();) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(composed.data() + i), utf8proc_ssize_t(composed.size() - i), &cp);
    i += std::size_t(n);
    utf8proc_uint8_t buf[4];
    out.append(reinterpret_cast<char*>(buf), std::size_t(utf8proc_encode_char(utf8proc_tolower(cp), buf)));
  }
  return out;
}

std::vector<int> ClipTokenizer::encode_pieces(std::string_view raw) const {
  // HF also collapses white-space runs to one space; no split pattern matches white space, so
  // the pieces are the same without doing it.
  const std::string text = clip_normalize_text(raw);
  std::vector<int> ids;
  for (const auto& [b, e] : t_->split.matches(text)) {
    const std::string_view piece(text.data() + b, e - b);
    if (piece == "<|startoftext|>") { ids.push_back(bos_); continue; }
    if (piece == "<|endoftext|>") { ids.push_back(eos_); continue; }
    std::vector<std::string> word;
    for (unsigned char c : piece) word.push_back(t_->byte_symbol[c]);
    word.back() += "</w>";
    while (word.size() > 1) {
      int best = INT_MAX;
      std::size_t at = 0;
      for (std::size_t i = 0; i + 1 < word.size(); ++i) {
        auto it = t_->merge_rank.find(word[i] + " " + word[i + 1]);
        if (it != t_->merge_rank.end() && it->second < best) best = it->second, at = i;
      }
      if (best == INT_MAX) break;
      // Merge every occurrence of the best pair, left to right.
      const std::string left = word[at], right = word[at + 1];
      std::vector<std::string> merged;
      for (std::size_t i = 0; i < word.size();) {
        if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
          merged.push_back(left + right);
          i += 2;
        } else {
          merged.push_back(word[i++]);
        }
      }
      word.swap(merged);
    }
    for (const auto& w : word) ids.push_back(t_->vocab.at(w));  // merges and bytes are checked at load
  }
  return ids;
}

std::vector<int> ClipTokenizer::encode(std::string_view text, int max_length) const {
  if (max_length < 2) throw std::invalid_argument("[vision.tokenizer] max_length must be >= 2, got " + std::to_string(max_length));
  std::vector<int> body = encode_pieces(text);
  if (int(body.size()) > max_length - 2) body.resize(std::size_t(max_length - 2));
  std::vector<int> ids{bos_};
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(eos_);
  return ids;
}

std::vector<std::string> ClipTokenizer::token_strings(std::string_view text) const {
  std::unordered_map<int, std::string> names;
  for (const auto& [k, v] : t_->vocab) names[v] = k;
  std::vector<std::string> out;
  for (int id : encode_pieces(text)) out.push_back(names[id]);
  return out;
}

ClipTokenBatch ClipTokenizer::encode_batch(const std::vector<std::string>& texts, int length) const {
  if (texts.empty()) throw std::invalid_argument("[vision.tokenizer] the list of texts must not be empty, got 0 texts");
  const int n = int(texts.size());
  std::vector<std::int32_t> ids(std::size_t(n) * length, eos_), mask(std::size_t(n) * length, 0);
  for (int i = 0; i < n; ++i) {
    const auto t = encode(texts[std::size_t(i)], length);
    for (std::size_t j = 0; j < t.size(); ++j) {
      ids[std::size_t(i) * length + j] = t[j];
      mask[std::size_t(i) * length + j] = 1;
    }
  }
  return {mx::array(ids.data(), {n, length}, mx::int32), mx::array(mask.data(), {n, length}, mx::int32)};
}

}  // namespace robomlx::vision
