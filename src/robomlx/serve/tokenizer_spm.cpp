// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/tokenizer_spm.h"

#include <algorithm>
#include <cstdio>
#include <queue>
#include <stdexcept>
#include <tuple>

#include <mlx/ops.h>

#include "robomlx/serve/gguf_metadata_internal.h"
#include "robomlx/serve/tokenizer_text_internal.h"

namespace robomlx::serve {

namespace {
constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space marker
constexpr int kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6;

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  return 4;  // the input is sanitized: no other lead bytes remain
}
}  // namespace

SpmTokenizer::SpmTokenizer(SpmVocabulary vocab) : vocab_(std::move(vocab)) {
  const std::size_t n = vocab_.tokens.size();
  if (vocab_.token_types.empty()) vocab_.token_types.assign(n, kNormal);
  if (vocab_.scores.size() != n || vocab_.token_types.size() != n)
    throw std::invalid_argument("tokenizer: SentencePiece tokens, scores and token types differ in length");
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
  specials_.resize(256);
  for (std::size_t id = 0; id < n; ++id) {
    const std::string& tok = vocab_.tokens[id];
    const int type = vocab_.token_types[id];
    all_.emplace(tok, static_cast<int>(id));
    if (type == kNormal) normal_.emplace(tok, static_cast<int>(id));
    if ((type == kControl || type == kUserDefined) && !tok.empty())
      specials_[static_cast<unsigned char>(tok[0])].emplace_back(tok, static_cast<int>(id));
    unsigned value = 0;
    if (type == kByte && tok.size() == 6 && std::sscanf(tok.c_str(), "<0x%2X>", &value) == 1 && value < 256)
      byte_ids_[value] = static_cast<int>(id);
  }
  for (int b = 0; b < 256; ++b)
    if (byte_ids_[b] < 0) throw std::invalid_argument("tokenizer: SentencePiece vocabulary has no byte token for " + std::to_string(b));
  for (auto& bucket : specials_)
    std::stable_sort(bucket.begin(), bucket.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

SpmTokenizer::~SpmTokenizer() = default;

std::unique_ptr<SpmTokenizer> SpmTokenizer::from_gguf(const detail::GgufMeta& meta) {
  if (detail::gguf_string(meta, "tokenizer.ggml.model") != "llama")
    throw std::invalid_argument("tokenizer: GGUF tokenizer.ggml.model is not llama (SentencePiece)");
  SpmVocabulary v;
  v.tokens = detail::gguf_strings(meta, "tokenizer.ggml.tokens");
  auto it = meta.find("tokenizer.ggml.scores");
  const auto* scores = it == meta.end() ? nullptr : std::get_if<mlx::core::array>(&it->second);
  if (!scores) throw std::invalid_argument("tokenizer: GGUF has no tokenizer.ggml.scores");
  mlx::core::array s = mlx::core::astype(*scores, mlx::core::float32);
  s.eval();
  v.scores.assign(s.data<float>(), s.data<float>() + s.size());
  if (meta.count("tokenizer.ggml.token_type")) v.token_types = detail::gguf_ints(meta, "tokenizer.ggml.token_type");
  v.bos = static_cast<int>(detail::gguf_int(meta, "tokenizer.ggml.bos_token_id").value_or(-1));
  v.eos = static_cast<int>(detail::gguf_int(meta, "tokenizer.ggml.eos_token_id").value_or(-1));
  v.unk = static_cast<int>(detail::gguf_int(meta, "tokenizer.ggml.unknown_token_id").value_or(-1));
  v.add_bos = detail::gguf_int(meta, "tokenizer.ggml.add_bos_token").value_or(1) != 0;
  // llama.cpp's default for SentencePiece vocabularies is a dummy prefix; Gemma's GGUF turns it off.
  v.add_space_prefix = detail::gguf_int(meta, "tokenizer.ggml.add_space_prefix").value_or(1) != 0;
  auto eot = std::find(v.tokens.begin(), v.tokens.end(), "<end_of_turn>");
  if (eot != v.tokens.end()) v.extra_stop_ids.push_back(static_cast<int>(eot - v.tokens.begin()));
  return std::make_unique<SpmTokenizer>(std::move(v));
}

void SpmTokenizer::encode_plain(std::string_view text, bool at_start, std::vector<int>& out) const {
  if (text.empty()) return;
  std::string norm;
  if (vocab_.add_space_prefix && at_start) norm += kSpace;  // SentencePiece's dummy prefix: once, at the start
  for (char c : text) {
    if (c == ' ') norm += kSpace;
    else norm += c;
  }
  // Symbols are byte ranges [begin, begin + len) of `norm`, linked left to right.
  struct Symbol {
    std::size_t begin, len;
    int prev, next;
  };
  std::vector<Symbol> sym;
  for (std::size_t at = 0; at < norm.size();) {
    const std::size_t len = std::min(utf8_length(static_cast<unsigned char>(norm[at])), norm.size() - at);
    sym.push_back({at, len, static_cast<int>(sym.size()) - 1, -1});
    at += len;
  }
  for (std::size_t i = 0; i + 1 < sym.size(); ++i) sym[i].next = static_cast<int>(i) + 1;
  // (score, -left, left len, right len): highest score first, then leftmost; an entry is stale
  // once either side has changed length (merged with something else).
  using Cand = std::tuple<float, int, std::size_t, std::size_t>;
  std::priority_queue<Cand> heap;
  auto push = [&](int left) {
    if (left < 0 || sym[left].next < 0) return;
    const Symbol& r = sym[sym[left].next];
    auto it = normal_.find(norm.substr(sym[left].begin, sym[left].len + r.len));
    if (it != normal_.end()) heap.emplace(vocab_.scores[it->second], -left, sym[left].len, r.len);
  };
  for (int i = 0; i + 1 < static_cast<int>(sym.size()); ++i) push(i);
  while (!heap.empty()) {
    const auto [score, neg_left, llen, rlen] = heap.top();
    heap.pop();
    const int left = -neg_left, right = sym[left].next;
    if (sym[left].len != llen || right < 0 || sym[right].len != rlen) continue;
    sym[left].len += sym[right].len;
    sym[left].next = sym[right].next;
    if (sym[right].next >= 0) sym[sym[right].next].prev = left;
    sym[right].len = 0;
    push(sym[left].prev);
    push(left);
  }
  for (int i = 0; i >= 0; i = sym[i].next) {
    const std::string piece = norm.substr(sym[i].begin, sym[i].len);
    auto it = normal_.find(piece);
    if (it != normal_.end()) {
      out.push_back(it->second);
    } else {
      for (char c : piece) out.push_back(byte_ids_[static_cast<unsigned char>(c)]);
    }
  }
}

std::vector<int> SpmTokenizer::encode(const std::string& raw, bool add_special) const {
  const std::string text = detail::utf8_sanitize(raw);
  std::vector<int> out;
  if (add_special && vocab_.add_bos && vocab_.bos >= 0) out.push_back(vocab_.bos);
  std::size_t plain = 0;  // start of the text not yet encoded
  for (std::size_t pos = 0; pos < text.size();) {
    const std::pair<std::string, int>* hit = nullptr;
    for (const auto& s : specials_[static_cast<unsigned char>(text[pos])]) {
      if (text.compare(pos, s.first.size(), s.first) == 0) {
        hit = &s;
        break;  // longest first
      }
    }
    if (!hit) {
      ++pos;
      continue;
    }
    encode_plain(std::string_view(text).substr(plain, pos - plain), plain == 0, out);
    out.push_back(hit->second);
    pos += hit->first.size();
    plain = pos;
  }
  encode_plain(std::string_view(text).substr(plain), plain == 0, out);
  return out;
}

std::string SpmTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) throw std::invalid_argument("tokenizer: token id " + std::to_string(id) + " out of range");
    const int type = vocab_.token_types[id];
    if (type == kControl || type == kUnused) continue;  // not text
    const std::string& tok = vocab_.tokens[id];
    if (type == kByte) {
      out += static_cast<char>(std::find(std::begin(byte_ids_), std::end(byte_ids_), id) - std::begin(byte_ids_));
      continue;
    }
    for (std::size_t at = 0; at < tok.size();) {
      if (tok.compare(at, kSpace.size(), kSpace) == 0) {
        out += ' ';
        at += kSpace.size();
      } else {
        out += tok[at++];
      }
    }
  }
  return out;
}

std::vector<int> SpmTokenizer::stop_ids() const {
  std::vector<int> ids = vocab_.extra_stop_ids;
  if (vocab_.eos >= 0 && std::find(ids.begin(), ids.end(), vocab_.eos) == ids.end()) ids.insert(ids.begin(), vocab_.eos);
  return ids;
}

int SpmTokenizer::token_id(std::string_view text) const {
  auto it = all_.find(std::string(text));
  return it == all_.end() ? -1 : it->second;
}

}  // namespace robomlx::serve
