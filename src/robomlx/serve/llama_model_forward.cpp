// SPDX-License-Identifier: Apache-2.0
// The Llama forward pass over one step of a CachedDecoder: a sequence's prompt chunk on its own
// cache, or the batched decode step on the shared left-padded cache (cached_decoder.h).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <variant>

#include <mlx/fast.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/decode_attention.h"
#include "robomlx/serve/llama_model_internal.h"
#include "robomlx/serve/rms_norm.h"

namespace robomlx::serve {

mx::array LlamaModel::embed(const mx::array& ids) const {
  // ids [B, T] -> [B, T, dim]
  const auto s = mx::default_stream(device_);
  mx::array flat = w_->embed.rows(mx::reshape(ids, {-1}, s), dtype_, s);
  return mx::reshape(flat, {ids.shape(0), ids.shape(1), config_.dim}, s);
}

mx::array LlamaModel::head(const mx::array& hidden) const {
  // hidden [..., dim] -> float32 [..., vocab]
  const auto s = mx::default_stream(device_);
  mx::array h = rms_norm(hidden, w_->out_norm, config_.rms_eps, s);
  const DecoderLinear& out = w_->output ? *w_->output : w_->embed;
  return mx::astype(out.apply(h, s), mx::float32, s);
}

namespace {
// The attention + MLP block shared by both paths. x [B, T, dim]; positions: an int offset (one
// sequence) or an int32 array [B] (one per row). Writes the new keys and values into `k_cache` /
// `v_cache` at column `col` and attends to columns [0, col + T) under `mask` ("causal" or an array).
struct BlockArgs {
  const LlamaConfig& c;
  mx::Stream s;
  int col;
  std::variant<int, mx::array> positions;
  std::optional<mx::array> mask;  // bool [B, 1, T, col + T]; nullopt: causal (or nothing when T = 1)
  const RopeTables* rope = nullptr;  // CPU streams: rotate with these rows instead of fast::rope
};

mx::array block(const LlamaLayer& L, const mx::array& x, mx::array& k_cache, mx::array& v_cache, const BlockArgs& a) {
  const auto& c = a.c;
  const auto s = a.s;
  const int B = x.shape(0), T = x.shape(1);
  mx::array h = rms_norm(x, L.attn_norm, c.rms_eps, s);
  auto heads = [&](const mx::array& y, int n) {
    return mx::transpose(mx::reshape(y, {B, T, n, c.head_dim}, s), {0, 2, 1, 3}, s);
  };
  const auto qkv = L.qkv.apply(h, s);
  mx::array q = heads(qkv[0], c.heads);
  mx::array k = heads(qkv[1], c.kv_heads);
  mx::array v = heads(qkv[2], c.kv_heads);
  auto rope = [&](const mx::array& y) {
    if (a.rope) return apply_rope(y, *a.rope, s);
    if (const int* off = std::get_if<int>(&a.positions))
      return mx::fast::rope(y, c.rope_dims, true, c.rope_base, 1.0f, *off, std::nullopt, s);
    return mx::fast::rope(y, c.rope_dims, true, c.rope_base, 1.0f, std::get<mx::array>(a.positions), std::nullopt, s);
  };
  q = rope(q);
  k = rope(k);
  const mx::Shape start{0, 0, a.col, 0}, stop{B, c.kv_heads, a.col + T, c.head_dim};
  k_cache = mx::slice_update(k_cache, k, start, stop, s);
  v_cache = mx::slice_update(v_cache, v, start, stop, s);
  const mx::Shape all{B, c.kv_heads, a.col + T, c.head_dim};
  mx::array keys = mx::slice(k_cache, {0, 0, 0, 0}, all, s);
  mx::array values = mx::slice(v_cache, {0, 0, 0, 0}, all, s);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  mx::array o = T == 1 ? decode_attention(q, keys, values, scale, a.mask, s)
               : a.mask ? mx::fast::scaled_dot_product_attention(q, keys, values, scale, "array", *a.mask, {}, false, s)
                        : mx::fast::scaled_dot_product_attention(q, keys, values, scale, "causal", {}, {}, false, s);
  o = mx::reshape(mx::transpose(o, {0, 2, 1, 3}, s), {B, T, c.heads * c.head_dim}, s);
  mx::array y = mx::add(x, L.o.apply(o, s), s);
  h = rms_norm(y, L.ffn_norm, c.rms_eps, s);
  const auto gate_up = L.gate_up.apply(h, s);
  return mx::add(y, L.down.apply(swiglu(gate_up[0], gate_up[1], s), s), s);
}

}  // namespace

mx::array LlamaModel::forward(const DecoderStep& step, std::vector<mx::array>& k, std::vector<mx::array>& v) {
  const auto s = mx::default_stream(device_);
  const int B = step.ids.shape(0), T = step.ids.shape(1);
  std::optional<mx::array> mask;
  if (step.first) {
    // Row b sees columns [first_b, col + T) (its own keys and the new ones; T = 1 when batched).
    mask = mx::greater_equal(mx::reshape(mx::arange(step.col + T, mx::int32, s), {1, step.col + T}, s),
                             mx::reshape(*step.first, {B, 1}, s), s);
    mask = mx::reshape(*mask, {B, 1, 1, step.col + T}, s);
  }
  std::optional<RopeTables> rope;
  if (w_->rope) rope = rope_rows(*w_->rope, step, T, s);
  mx::array x = embed(step.ids);
  const BlockArgs args{config_, s, step.col, step.positions, mask, rope ? &*rope : nullptr};
  for (int l = 0; l < config_.layers; ++l) x = block(w_->layers[l], x, k[l], v[l], args);
  return x;
}

}  // namespace robomlx::serve
