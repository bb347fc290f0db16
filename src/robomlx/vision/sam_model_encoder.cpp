// SPDX-License-Identifier: Apache-2.0
// SAM's image encoder on MLX ops (transformers' SamVisionEncoder): windowed / global attention
// with decomposed relative positions, then the neck.
#include <cmath>
#include <stdexcept>

#include <mlx/einsum.h>
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/vision/sam_model_internal.h"

namespace robomlx::vision {

namespace {

// Rows of `table` [2 * size - 1, d] for every (query, key) offset: [size, size, d], entry
// (q, k) = table[q - k + size - 1] (equal query and key sizes, as inside SAM's encoder).
mx::array relative_table(const mx::array& table, int size, const mx::Stream& s) {
  const mx::array q = mx::reshape(mx::arange(size, mx::int32, s), {size, 1}, s);
  const mx::array k = mx::reshape(mx::arange(size, mx::int32, s), {1, size}, s);
  const mx::array idx = mx::add(mx::subtract(q, k, s), mx::array(size - 1), s);
  return mx::take(table, idx, 0, s);
}

// Attention of one layer on [b, h, w, D] tokens (b = images x windows).
mx::array attention_block(const SamVisionLayerWeights& L, const mx::array& x, int heads, const mx::Stream& s) {
  const int b = x.shape(0), h = x.shape(1), w = x.shape(2), D = x.shape(3), hd = D / heads, n = h * w;
  mx::array qkv = mx::reshape(L.qkv(x, s), {b, n, 3, heads, hd}, s);
  qkv = mx::transpose(qkv, {2, 0, 3, 1, 4}, s);  // [3, b, heads, n, hd]
  const mx::array q = mx::squeeze(mx::slice(qkv, {0, 0, 0, 0, 0}, {1, b, heads, n, hd}, s), 0, s);
  const mx::array k = mx::squeeze(mx::slice(qkv, {1, 0, 0, 0, 0}, {2, b, heads, n, hd}, s), 0, s);
  const mx::array v = mx::squeeze(mx::slice(qkv, {2, 0, 0, 0, 0}, {3, b, heads, n, hd}, s), 0, s);
  const float scale = 1.0f / std::sqrt(float(hd));
  std::optional<mx::array> bias;
  if (L.rel_pos_h) {
    // Decomposed relative positions (MViTv2): bias[(qy,qx),(ky,kx)] = q . Rh[qy,ky] + q . Rw[qx,kx],
    // with the unscaled query, as transformers adds them.
    const mx::array rq = mx::reshape(q, {b, heads, h, w, hd}, s);
    const mx::array rel_h = mx::einsum("bnhwc,hkc->bnhwk", {rq, relative_table(*L.rel_pos_h, h, s)}, s);
    const mx::array rel_w = mx::einsum("bnhwc,wkc->bnhwk", {rq, relative_table(*L.rel_pos_w, w, s)}, s);
    bias = mx::reshape(mx::add(mx::expand_dims(rel_h, 5, s), mx::expand_dims(rel_w, 4, s), s), {b, heads, n, n}, s);
  }
  const mx::array o = bias ? mx::fast::scaled_dot_product_attention(q, k, v, scale, "array", *bias, {}, false, s)
                           : mx::fast::scaled_dot_product_attention(q, k, v, scale, "", {}, {}, false, s);
  return L.proj(mx::reshape(mx::transpose(o, {0, 2, 1, 3}, s), {b, h, w, D}, s), s);
}

// [B, H, W, D] -> [B * nh * nw, ws, ws, D], zero-padding H and W up to whole windows.
mx::array partition(const mx::array& x, int ws, const mx::Stream& s) {
  const int B = x.shape(0), H = x.shape(1), W = x.shape(2), D = x.shape(3);
  const int ph = (ws - H % ws) % ws, pw = (ws - W % ws) % ws;
  const mx::array p = (ph || pw) ? mx::pad(x, {{0, 0}, {0, ph}, {0, pw}, {0, 0}}, mx::array(0.0f, x.dtype()), "constant", s) : x;
  const int nh = (H + ph) / ws, nw = (W + pw) / ws;
  const mx::array r = mx::reshape(p, {B, nh, ws, nw, ws, D}, s);
  return mx::reshape(mx::transpose(r, {0, 1, 3, 2, 4, 5}, s), {B * nh * nw, ws, ws, D}, s);
}

mx::array unpartition(const mx::array& win, int ws, int B, int H, int W, const mx::Stream& s) {
  const int D = win.shape(3), nh = (H + ws - 1) / ws, nw = (W + ws - 1) / ws;
  const mx::array r = mx::transpose(mx::reshape(win, {B, nh, nw, ws, ws, D}, s), {0, 1, 3, 2, 4, 5}, s);
  return mx::slice(mx::reshape(r, {B, nh * ws, nw * ws, D}, s), {0, 0, 0, 0}, {B, H, W, D}, s);
}

}  // namespace

mx::array SamModel::image_embeddings(const mx::array& pixels, mx::StreamOrDevice sd) const {
  const mx::Stream s = op_stream(sd);
  const SamConfig& c = config_;
  if (pixels.ndim() != 4 || pixels.shape(1) != c.image_size || pixels.shape(2) != c.image_size || pixels.shape(3) != 3)
    throw std::invalid_argument("[vision.sam] pixel_values must be [B, " + std::to_string(c.image_size) + ", " +
                                std::to_string(c.image_size) + ", 3] (NHWC, padded)");
  const int B = pixels.shape(0);
  mx::array x = detail::patch_embed(mx::astype(pixels, dtype_, s), w_->patch_w, c.patch_size, s);
  x = mx::add(x, w_->patch_b, s);
  if (w_->pos_embed) x = mx::add(x, *w_->pos_embed, s);
  const int H = x.shape(1), W = x.shape(2);
  for (const auto& L : w_->layers) {
    mx::array h = L.ln1(x, s);
    if (L.window > 0) {
      h = attention_block(L, partition(h, L.window, s), c.heads, s);
      h = unpartition(h, L.window, B, H, W, s);
    } else {
      h = attention_block(L, h, c.heads, s);
    }
    x = mx::add(x, h, s);
    x = mx::add(x, L.lin2(detail::gelu_erf(L.lin1(L.ln2(x, s), s), s), s), s);
  }
  x = w_->neck_ln1(mx::conv2d(x, w_->neck_conv1, {1, 1}, {0, 0}, {1, 1}, 1, s), s);
  x = w_->neck_ln2(mx::conv2d(x, w_->neck_conv2, {1, 1}, {1, 1}, {1, 1}, 1, s), s);
  return x;
}

}  // namespace robomlx::vision
