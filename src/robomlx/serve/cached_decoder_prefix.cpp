// SPDX-License-Identifier: Apache-2.0
// Prefix reuse for the scheduler's prefix cache (prefix_cache.h): a sequence's computed keys and
// values copied out of it, and a new sequence whose cache starts as the first columns of such a copy.
// Every layer's keys depend only on the tokens before them (causal attention), so the columns of a
// shared prefix are the same whichever prompt continues it; sliding-window layers (Gemma) keep every
// column too (the window is a mask, cached_decoder.h), so nothing else needs restoring.
#include <algorithm>
#include <stdexcept>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {

namespace {
struct DecoderPrefix final : KvPrefix {
  const CachedDecoder* owner = nullptr;  // a prefix only fits the model (shapes, weights) that made it
  std::vector<mx::array> k, v;            // per layer [1, kv_heads, tokens, head_dim]
};
}  // namespace

std::shared_ptr<const KvPrefix> CachedDecoder::save_prefix(SequenceId seq) {
  const Sequence& q = get(seq);
  if (q.done == 0) return nullptr;
  const auto s = mx::default_stream(device_);
  const int kvh = kv_heads_, hd = head_dim_;
  int row = 0;
  if (q.batched) row = static_cast<int>(std::find(batch_->rows.begin(), batch_->rows.end(), seq) - batch_->rows.begin());
  auto p = std::make_shared<DecoderPrefix>();
  p->owner = this;
  p->tokens.assign(q.tokens.begin(), q.tokens.begin() + q.done);
  p->bytes = info_.kv_bytes_per_token * q.done;
  std::vector<mx::array> to_eval;
  for (int l = 0; l < layers_; ++l) {
    for (bool keys : {true, false}) {
      mx::array src = q.batched ? mx::slice(keys ? batch_->k[l] : batch_->v[l], {row, 0, batch_->end - q.done, 0},
                                            {row + 1, kvh, batch_->end, hd}, s)
                                : mx::slice(keys ? q.k[l] : q.v[l], {0, 0, 0, 0}, {1, kvh, q.done, hd}, s);
      // contiguous() copies a slice into a buffer of its own (evaluated now), so the copy neither keeps
      // the sequence's or the batch's whole cache alive nor stops their next write updating in place.
      // (A slice of a whole own cache, done == cap, shares its buffer, which holds exactly these columns:
      // the sequence's next write then copies once.)
      mx::array own = mx::contiguous(src, false, s);
      (keys ? p->k : p->v).push_back(own);
      to_eval.push_back(own);
    }
  }
  mx::eval(to_eval);
  return p;
}

SequenceId CachedDecoder::start_from(const std::vector<int>& prompt, const KvPrefix& prefix, int reuse) {
  const auto* p = dynamic_cast<const DecoderPrefix*>(&prefix);
  const std::string n = name();
  if (!p || p->owner != this) throw std::logic_error(n + ": a cached prefix from another model");
  if (reuse < 1 || reuse >= static_cast<int>(prompt.size()) || reuse > static_cast<int>(p->tokens.size()) ||
      !std::equal(prompt.begin(), prompt.begin() + reuse, p->tokens.begin()))
    throw std::logic_error(n + ": the cached prefix does not match the prompt's first " + std::to_string(reuse) + " tokens");
  const SequenceId id = start(prompt);
  Sequence& q = get(id);
  const auto s = mx::default_stream(device_);
  // Room for the whole prompt at once, so the prefill chunks that follow never grow the cache.
  q.cap = detail::round_up(static_cast<int>(prompt.size()), detail::kCacheStep);
  for (int l = 0; l < layers_; ++l) {
    for (bool keys : {true, false}) {
      const mx::array& src = keys ? p->k[l] : p->v[l];
      mx::array cols = mx::slice(src, {0, 0, 0, 0}, {1, kv_heads_, reuse, head_dim_}, s);
      mx::array own = mx::concatenate({cols, mx::zeros({1, kv_heads_, q.cap - reuse, head_dim_}, dtype_, s)}, 2, s);
      (keys ? q.k : q.v).push_back(own);
    }
  }
  q.done = reuse;
  return id;
}

}  // namespace robomlx::serve
