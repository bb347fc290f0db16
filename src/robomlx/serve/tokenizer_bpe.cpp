// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/tokenizer_bpe.h"

#include <algorithm>
#include <queue>
#include <stdexcept>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "robomlx/serve/gguf_metadata_internal.h"
#include "robomlx/serve/tokenizer_text_internal.h"

namespace robomlx::serve {

namespace {
// Unicode White_Space, spelled out: PCRE2's \s (Perl space) leaves out U+0085, which HF's regex
// engine counts as space.
#define ROBOMLX_WS "\\t-\\r \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
// GPT-2's pre-tokenizer, in the form HF's ByteLevel uses (with the trailing \s+ alternative).
constexpr const char* kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" ROBOMLX_WS "\\p{L}\\p{N}]+|[" ROBOMLX_WS "]+(?![^" ROBOMLX_WS
    "])|[" ROBOMLX_WS "]+";
#undef ROBOMLX_WS

// GPT-2's byte <-> printable code point table: printable Latin-1 bytes stand for themselves, the
// other 68 bytes take code points 256, 257, ... in byte order.
std::vector<char32_t> byte_to_unicode() {
  std::vector<char32_t> table(256);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    table[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
  }
  return table;
}

std::uint64_t pair_key(int left, int right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
}
}  // namespace

struct BpeTokenizer::Regex {
  pcre2_code* code = nullptr;
  explicit Regex(const char* pattern) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &err,
                         &offset, nullptr);
    if (!code) throw std::runtime_error("tokenizer: PCRE2 rejected the pre-tokenizer pattern");
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; the interpreter runs otherwise
  }
  ~Regex() { pcre2_code_free(code); }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls piece(begin, end, matched) for every match and every gap between matches, in order.
  template <typename F>
  void split(std::string_view text, F&& piece) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t pos = 0;
    while (pos < text.size()) {
      int rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // the interpreter keeps its backtracking on the heap
        rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) {
        pcre2_match_data_free(md);
        throw std::runtime_error("tokenizer: PCRE2 match failed (error " + std::to_string(rc) + ")");
      }
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      if (ov[0] > pos) piece(pos, ov[0], false);
      if (ov[1] == ov[0]) {  // cannot happen with these patterns; step one character to be safe
        std::size_t next = ov[0] + 1;
        while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
        piece(ov[0], next, true);
        pos = next;
      } else {
        piece(ov[0], ov[1], true);
        pos = ov[1];
      }
    }
    if (pos < text.size()) piece(pos, text.size(), false);
    pcre2_match_data_free(md);
  }
};

BpeTokenizer::BpeTokenizer(BpeVocabulary vocab) : vocab_(std::move(vocab)) {
  if (vocab_.pre != "gpt2" && vocab_.pre != "smollm")
    throw std::invalid_argument("tokenizer: unsupported BPE pre-tokenizer '" + vocab_.pre + "' (gpt2, smollm)");
  const std::size_t n = vocab_.tokens.size();
  if (vocab_.token_types.empty()) vocab_.token_types.assign(n, 1);
  if (vocab_.token_types.size() != n) throw std::invalid_argument("tokenizer: token_type and tokens differ in length");

  std::unordered_map<char32_t, int> unicode_byte;
  const auto table = byte_to_unicode();
  for (int b = 0; b < 256; ++b) unicode_byte[table[b]] = b;

  bytes_.resize(n);
  std::unordered_map<std::string, int> spelled;  // the vocabulary's own spelling -> id, for the merges
  spelled.reserve(n);
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
  for (std::size_t id = 0; id < n; ++id) {
    const std::string& tok = vocab_.tokens[id];
    const int type = vocab_.token_types[id];
    spelled.emplace(tok, static_cast<int>(id));
    if (type == 3 || type == 4) {  // control / user-defined: literal text, matched before the regex
      specials_.emplace_back(tok, static_cast<int>(id));
      if (type == 4) bytes_[id] = tok;
      continue;
    }
    std::string raw;
    bool mapped = true;
    for (char32_t cp : detail::utf8_decode(tok)) {
      auto it = unicode_byte.find(cp);
      if (it == unicode_byte.end()) {
        mapped = false;
        break;
      }
      raw += static_cast<char>(it->second);
    }
    bytes_[id] = mapped ? raw : tok;
    ids_.emplace(bytes_[id], static_cast<int>(id));
    if (bytes_[id].size() == 1 && byte_ids_[static_cast<unsigned char>(bytes_[id][0])] < 0)
      byte_ids_[static_cast<unsigned char>(bytes_[id][0])] = static_cast<int>(id);
  }
  // A vocabulary may lack some bytes (SmolLM2 has no token for 4, 6, 19, 20, 22, 29 and several
  // UTF-8 lead bytes): like HF's BPE without an unknown token, such bytes are dropped and their
  // neighbours merge as if adjacent.
  if (std::count(std::begin(byte_ids_), std::end(byte_ids_), -1) > 64)
    throw std::invalid_argument("tokenizer: the vocabulary is not byte-level (most single bytes have no token)");
  // Leftmost-longest matching wants the longer of two specials sharing a start tried first.
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

  merges_.reserve(vocab_.merges.size());
  for (std::size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
    const std::string& m = vocab_.merges[rank];
    const auto space = m.find(' ', 1);  // a token may itself be a space-like code point, never ' '
    if (space == std::string::npos) continue;
    auto l = spelled.find(m.substr(0, space));
    auto r = spelled.find(m.substr(space + 1));
    auto merged = spelled.find(m.substr(0, space) + m.substr(space + 1));
    if (l == spelled.end() || r == spelled.end() || merged == spelled.end()) continue;
    merges_.emplace(pair_key(l->second, r->second), std::make_pair(static_cast<int>(rank), merged->second));
  }
  split_ = std::make_unique<Regex>(kGpt2Pattern);
  if (vocab_.pre == "smollm") digits_ = std::make_unique<Regex>("\\p{N}");
}

BpeTokenizer::~BpeTokenizer() = default;

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_gguf(const detail::GgufMeta& meta) {
  const auto model = detail::gguf_string(meta, "tokenizer.ggml.model");
  if (model != "gpt2") throw std::invalid_argument("tokenizer: GGUF tokenizer.ggml.model is not gpt2 (byte-level BPE)");
  BpeVocabulary v;
  v.tokens = detail::gguf_strings(meta, "tokenizer.ggml.tokens");
  v.merges = detail::gguf_strings(meta, "tokenizer.ggml.merges");
  if (meta.count("tokenizer.ggml.token_type")) v.token_types = detail::gguf_ints(meta, "tokenizer.ggml.token_type");
  v.pre = detail::gguf_string(meta, "tokenizer.ggml.pre").value_or("gpt2");
  v.bos = static_cast<int>(detail::gguf_int(meta, "tokenizer.ggml.bos_token_id").value_or(-1));
  v.eos = static_cast<int>(detail::gguf_int(meta, "tokenizer.ggml.eos_token_id").value_or(-1));
  v.add_bos = detail::gguf_int(meta, "tokenizer.ggml.add_bos_token").value_or(0) != 0;
  // End-of-text markers a chat model may emit besides its eos (llama.cpp treats them as end too).
  for (const char* name : {"<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<end_of_turn>"}) {
    auto it = std::find(v.tokens.begin(), v.tokens.end(), name);
    if (it != v.tokens.end()) v.extra_stop_ids.push_back(static_cast<int>(it - v.tokens.begin()));
  }
  return std::make_unique<BpeTokenizer>(std::move(v));
}

std::vector<int> BpeTokenizer::merge_piece(std::string_view bytes) const {
  struct Symbol {
    int id, prev, next;
  };
  std::vector<Symbol> sym;
  sym.reserve(bytes.size());
  for (char c : bytes) {
    const int id = byte_ids_[static_cast<unsigned char>(c)];
    if (id >= 0) sym.push_back({id, static_cast<int>(sym.size()) - 1, -1});
  }
  for (std::size_t i = 0; i + 1 < sym.size(); ++i) sym[i].next = static_cast<int>(i) + 1;
  // (rank, left position, left id, right id): lowest rank first, leftmost among equal ranks; an
  // entry is stale once either side has merged into something else.
  using Cand = std::tuple<int, int, int, int>;
  std::priority_queue<Cand, std::vector<Cand>, std::greater<>> heap;
  auto push = [&](int left) {
    if (left < 0 || sym[left].next < 0) return;
    auto it = merges_.find(pair_key(sym[left].id, sym[sym[left].next].id));
    if (it != merges_.end()) heap.emplace(it->second.first, left, sym[left].id, sym[sym[left].next].id);
  };
  for (int i = 0; i + 1 < static_cast<int>(sym.size()); ++i) push(i);
  while (!heap.empty()) {
    auto [rank, left, lid, rid] = heap.top();
    heap.pop();
    const int right = sym[left].next;
    if (sym[left].id != lid || right < 0 || sym[right].id != rid) continue;
    sym[left].id = merges_.at(pair_key(lid, rid)).second;
    sym[left].next = sym[right].next;
    if (sym[right].next >= 0) sym[sym[right].next].prev = left;
    sym[right].id = -1;
    push(sym[left].prev);
    push(left);
  }
  std::vector<int> out;
  for (int i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) out.push_back(sym[i].id);
  return out;
}

void BpeTokenizer::encode_plain(std::string_view text, std::vector<int>& out) const {
  auto regex_pieces = [&](std::string_view part) {
    split_->split(part, [&](std::size_t b, std::size_t e, bool) {
      for (int id : merge_piece(part.substr(b, e - b))) out.push_back(id);
    });
  };
  if (!digits_) {
    regex_pieces(text);
    return;
  }
  // "smollm": each number character is a piece of its own; the GPT-2 regex runs between them.
  digits_->split(text, [&](std::size_t b, std::size_t e, bool digit) {
    if (digit) {
      for (int id : merge_piece(text.substr(b, e - b))) out.push_back(id);
    } else {
      regex_pieces(text.substr(b, e - b));
    }
  });
}

std::vector<int> BpeTokenizer::encode(const std::string& raw, bool add_special) const {
  const std::string text = detail::utf8_sanitize(raw);
  std::vector<int> out;
  if (add_special && vocab_.add_bos && vocab_.bos >= 0) out.push_back(vocab_.bos);
  std::size_t pos = 0;
  while (pos < text.size()) {
    // The earliest special token from pos (longest at the same start).
    std::size_t best = std::string::npos;
    const std::pair<std::string, int>* hit = nullptr;
    for (const auto& s : specials_) {
      const std::size_t at = text.find(s.first, pos);
      if (at < best) {
        best = at;
        hit = &s;
      }
    }
    encode_plain(std::string_view(text).substr(pos, best == std::string::npos ? std::string::npos : best - pos), out);
    if (!hit) break;
    out.push_back(hit->second);
    pos = best + hit->first.size();
  }
  return out;
}

std::string BpeTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) throw std::invalid_argument("tokenizer: token id " + std::to_string(id) + " out of range");
    const int type = vocab_.token_types[id];
    if (type == 3 || type == 5) continue;  // control and unused tokens are not text
    out += bytes_[id];
  }
  return out;
}

std::vector<int> BpeTokenizer::stop_ids() const {
  std::vector<int> ids = vocab_.extra_stop_ids;
  if (vocab_.eos >= 0 && std::find(ids.begin(), ids.end(), vocab_.eos) == ids.end()) ids.insert(ids.begin(), vocab_.eos);
  return ids;
}

int BpeTokenizer::token_id(std::string_view text) const {
  for (const auto& s : specials_)
    if (s.first == text) return s.second;
  auto it = ids_.find(std::string(text));
  return it == ids_.end() ? -1 : it->second;
}

const std::string& BpeTokenizer::token_bytes(int id) const {
  if (id < 0 || id >= vocab_size()) throw std::invalid_argument("tokenizer: token id " + std::to_string(id) + " out of range");
  return bytes_[id];
}

}  // namespace robomlx::serve
