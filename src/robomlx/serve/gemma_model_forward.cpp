// SPDX-License-Identifier: Apache-2.0
// The Gemma 3 forward pass over one step of a CachedDecoder (gemma_model.h lists the block).
#include <cmath>
#include <optional>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/serve/decode_attention.h"
#include "robomlx/serve/gemma_model_internal.h"
#include "robomlx/serve/rms_norm.h"

namespace robomlx::serve {

namespace {
struct LayerArgs {
  const GemmaConfig& c;
  mx::Stream s;
  const DecoderStep& step;
  std::optional<mx::array> mask;  // bool, broadcastable to [B, 1, T, col + T]; nullopt: causal (or none when T = 1)
  const RopeTables* rope = nullptr;  // CPU: rows for this step; else fast::rope
  float rope_base = 0;
};

mx::array layer(const GemmaLayer& L, const mx::array& x, mx::array& k_cache, mx::array& v_cache, const LayerArgs& a) {
  const auto& c = a.c;
  const auto s = a.s;
  const int B = x.shape(0), T = x.shape(1), col = a.step.col;
  mx::array h = rms_norm(x, L.attn_norm, c.rms_eps, s);
  auto heads = [&](const mx::array& y, int n) {
    return mx::transpose(mx::reshape(y, {B, T, n, c.head_dim}, s), {0, 2, 1, 3}, s);
  };
  auto rope = [&](const mx::array& y) {
    if (a.rope) return apply_rope(y, *a.rope, s);
    if (const int* off = std::get_if<int>(&a.step.positions))
      return mx::fast::rope(y, c.head_dim, false, a.rope_base, 1.0f, *off, std::nullopt, s);
    return mx::fast::rope(y, c.head_dim, false, a.rope_base, 1.0f, std::get<mx::array>(a.step.positions), std::nullopt, s);
  };
  const auto qkv = L.qkv.apply(h, s);
  mx::array q = rope(rms_norm(heads(qkv[0], c.heads), L.q_norm, c.rms_eps, s));
  mx::array k = rope(rms_norm(heads(qkv[1], c.kv_heads), L.k_norm, c.rms_eps, s));
  mx::array v = heads(qkv[2], c.kv_heads);
  const mx::Shape start{0, 0, col, 0}, stop{B, c.kv_heads, col + T, c.head_dim};
  k_cache = mx::slice_update(k_cache, k, start, stop, s);
  v_cache = mx::slice_update(v_cache, v, start, stop, s);
  const mx::Shape all{B, c.kv_heads, col + T, c.head_dim};
  mx::array keys = mx::slice(k_cache, {0, 0, 0, 0}, all, s);
  mx::array values = mx::slice(v_cache, {0, 0, 0, 0}, all, s);
  mx::array o = T == 1 ? decode_attention(q, keys, values, c.attn_scale, a.mask, s)
               : a.mask ? mx::fast::scaled_dot_product_attention(q, keys, values, c.attn_scale, "array", *a.mask, {}, false, s)
                        : mx::fast::scaled_dot_product_attention(q, keys, values, c.attn_scale, "causal", {}, {}, false, s);
  o = mx::reshape(mx::transpose(o, {0, 2, 1, 3}, s), {B, T, c.heads * c.head_dim}, s);
  mx::array y = mx::add(x, rms_norm(L.o.apply(o, s), L.post_attn_norm, c.rms_eps, s), s);
  h = rms_norm(y, L.ffn_norm, c.rms_eps, s);
  const auto gate_up = L.gate_up.apply(h, s);
  return mx::add(y, rms_norm(L.down.apply(geglu_tanh(gate_up[0], gate_up[1], s), s), L.post_ffn_norm, c.rms_eps, s), s);
}
}  // namespace

mx::array GemmaModel::forward(const DecoderStep& step, std::vector<mx::array>& k, std::vector<mx::array>& v) {
  const auto s = mx::default_stream(device_);
  const auto& c = config_;
  const int B = step.ids.shape(0), T = step.ids.shape(1), keys = step.col + T;
  // Key column j against query i (cache column col + i): visible when j <= col + i (causal) and,
  // batched, j >= first_b (row b's padding ends there); sliding layers also need
  // col + i - j < window. A single sequence's column is its position; a batched row's query and
  // key columns are both offset by its padding, so the difference is the same.
  mx::array qcol = mx::reshape(mx::add(mx::arange(T, mx::int32, s), mx::array(step.col), s), {T, 1}, s);
  mx::array kcol = mx::reshape(mx::arange(keys, mx::int32, s), {1, keys}, s);
  mx::array visible = mx::reshape(mx::less_equal(kcol, qcol, s), {1, 1, T, keys}, s);
  if (step.first) visible = mx::logical_and(visible, mx::reshape(mx::greater_equal(kcol, mx::reshape(*step.first, {B, 1}, s), s), {B, 1, 1, keys}, s), s);
  std::optional<mx::array> full;
  if (step.first) full = visible;  // else: sdpa's "causal" is the same mask without building it
  std::optional<mx::array> local = full;
  if (keys > c.sliding_window) {
    mx::array near = mx::less(mx::subtract(qcol, kcol, s), mx::array(c.sliding_window), s);
    local = mx::logical_and(visible, mx::reshape(near, {1, 1, T, keys}, s), s);
  }
  std::optional<RopeTables> rope_global, rope_local;
  if (w_->rope_global) {
    rope_global = rope_rows(*w_->rope_global, step, T, s);
    rope_local = rope_rows(*w_->rope_local, step, T, s);
  }
  mx::array flat = w_->embed.rows(mx::reshape(step.ids, {-1}, s), dtype_, s);
  mx::array x = mx::multiply(mx::reshape(flat, {B, T, c.dim}, s), mx::array(std::sqrt(static_cast<float>(c.dim)), dtype_), s);
  for (int l = 0; l < c.layers; ++l) {
    const bool global = c.global(l);
    const LayerArgs args{c, s, step, global ? full : local, global ? (rope_global ? &*rope_global : nullptr) : (rope_local ? &*rope_local : nullptr),
                         global ? c.rope_base : c.rope_base_local};
    x = layer(w_->layers[l], x, k[l], v[l], args);
  }
  return x;
}

mx::array GemmaModel::head(const mx::array& hidden) const {
  const auto s = mx::default_stream(device_);
  mx::array h = rms_norm(hidden, w_->out_norm, config_.rms_eps, s);
  mx::array out = mx::astype(w_->embed.apply(h, s), mx::float32, s);
  if (config_.softcap > 0) {
    mx::array cap(config_.softcap);
    out = mx::multiply(mx::tanh(mx::divide(out, cap, s), s), cap, s);
  }
  return out;
}

}  // namespace robomlx::serve
