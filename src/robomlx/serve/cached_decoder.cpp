// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/cached_decoder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {

void detail::grow(std::vector<mx::array>& caches, int cap, mx::Stream s) {
  for (auto& c : caches) {
    auto shape = c.shape();
    const int extra = cap - shape[2];
    if (extra <= 0) continue;
    shape[2] = extra;
    c = mx::concatenate({c, mx::zeros(shape, c.dtype(), s)}, 2, s);
  }
}

CachedDecoder::CachedDecoder() = default;
CachedDecoder::~CachedDecoder() = default;

void CachedDecoder::set_model(std::string id, const std::string& path, const std::string& architecture, int context,
                              int vocab, std::int64_t weight_bytes, CacheShape shape) {
  if (id.empty()) {
    id = std::filesystem::path(path).stem().string();
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char ch) { return std::tolower(ch); });
  }
  const std::int64_t kv = std::int64_t{2} * shape.layers * shape.kv_heads * shape.head_dim * static_cast<int>(mx::size_of(dtype_));
  info_ = ModelInfo{id, architecture, context, vocab, weight_bytes, kv};
  layers_ = shape.layers;
  kv_heads_ = shape.kv_heads;
  head_dim_ = shape.head_dim;
  dim_ = shape.dim;
}

CachedDecoder::Sequence& CachedDecoder::get(SequenceId seq) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) throw std::invalid_argument(std::string(name()) + ": no sequence " + std::to_string(seq));
  return *it->second;
}

SequenceId CachedDecoder::start(const std::vector<int>& prompt) {
  const std::string n = name();
  if (prompt.empty()) throw std::invalid_argument(n + ": an empty prompt (at least one token is needed)");
  if (static_cast<int>(prompt.size()) > info_.context_length)
    throw std::invalid_argument(n + ": the prompt has " + std::to_string(prompt.size()) + " tokens, the context holds " +
                                std::to_string(info_.context_length));
  for (int t : prompt)
    if (t < 0 || t >= info_.vocab_size) throw std::invalid_argument(n + ": token id " + std::to_string(t) + " out of range");
  auto s = std::make_unique<Sequence>();
  s->tokens = prompt;
  s->prompt = static_cast<int>(prompt.size());
  const SequenceId id = next_id_++;
  seqs_.emplace(id, std::move(s));
  return id;
}

std::optional<mx::array> CachedDecoder::prefill(SequenceId seq, int max_tokens) {
  Sequence& s = get(seq);
  if (max_tokens <= 0) throw std::invalid_argument(std::string(name()) + ": prefill needs max_tokens > 0");
  if (s.done >= s.prompt)
    throw std::logic_error(std::string(name()) + ": the prompt of sequence " + std::to_string(seq) + " has already run");
  const int n = std::min(max_tokens, s.prompt - s.done);
  const std::vector<int> chunk(s.tokens.begin() + s.done, s.tokens.begin() + s.done + n);
  mx::array hidden = run_chunk(s, chunk);
  std::vector<mx::array> to_eval(s.k);
  to_eval.insert(to_eval.end(), s.v.begin(), s.v.end());
  if (s.done < s.prompt) {
    mx::eval(to_eval);
    return std::nullopt;
  }
  const auto st = mx::default_stream(device_);
  mx::array last = mx::slice(hidden, {0, n - 1, 0}, {1, n, dim_}, st);
  mx::array out = mx::reshape(head(last), {1, info_.vocab_size}, st);
  to_eval.push_back(out);
  mx::eval(to_eval);
  return out;
}

void CachedDecoder::release(SequenceId seq) {
  seqs_.erase(seq);  // a batched row stays in the shared cache until the next regroup drops it
  if (batch_ && std::none_of(batch_->rows.begin(), batch_->rows.end(), [&](SequenceId id) { return seqs_.count(id) > 0; }))
    batch_.reset();  // nothing alive in it: free it now
}

int CachedDecoder::length(SequenceId seq) const {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) throw std::invalid_argument(std::string(name()) + ": no sequence " + std::to_string(seq));
  return static_cast<int>(it->second->tokens.size());
}

mx::array CachedDecoder::run_chunk(Sequence& seq, const std::vector<int>& tokens) {
  const auto s = mx::default_stream(device_);
  const int T = static_cast<int>(tokens.size());
  const int col = seq.done;
  if (seq.k.empty()) {
    seq.cap = detail::round_up(col + T, detail::kCacheStep);
    for (int l = 0; l < layers_; ++l) {
      seq.k.push_back(mx::zeros({1, kv_heads_, seq.cap, head_dim_}, dtype_, s));
      seq.v.push_back(mx::zeros({1, kv_heads_, seq.cap, head_dim_}, dtype_, s));
    }
  } else if (col + T > seq.cap) {
    seq.cap = detail::round_up(col + T, detail::kCacheStep);
    detail::grow(seq.k, seq.cap, s);
    detail::grow(seq.v, seq.cap, s);
  }
  mx::array x = forward(DecoderStep{mx::array(tokens.data(), {1, T}, mx::int32), col, col, std::nullopt}, seq.k, seq.v);
  seq.done = col + T;
  return x;
}

mx::array CachedDecoder::forward_all(const std::vector<int>& tokens) {
  if (tokens.empty()) throw std::invalid_argument(std::string(name()) + ": forward_all needs at least one token");
  Sequence tmp;
  tmp.tokens = tokens;
  tmp.prompt = static_cast<int>(tokens.size());
  mx::array out = head(run_chunk(tmp, tokens));
  out = mx::reshape(out, {static_cast<int>(tokens.size()), info_.vocab_size});
  mx::eval(out);
  return out;
}

}  // namespace robomlx::serve
