// SPDX-License-Identifier: Apache-2.0
// SAM's prompt encoder and mask decoder on MLX ops (transformers' SamPromptEncoder,
// SamMaskDecoder, SamTwoWayTransformer).
#include <cmath>
#include <stdexcept>

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/vision/sam_model_internal.h"

namespace robomlx::vision {

namespace detail {

mx::array sam_feed_forward(const SamFeedForwardWeights& f, const mx::array& x, const mx::Stream& s) {
  mx::array h = x;
  for (std::size_t i = 0; i < f.layers.size(); ++i) {
    h = f.layers[i](h, s);
    if (i + 1 < f.layers.size()) h = mx::maximum(h, mx::array(0.0f, h.dtype()), s);
  }
  return h;
}

mx::array sam_attention(const SamAttentionWeights& a, int heads, const mx::array& q, const mx::array& k, const mx::array& v,
                        const mx::Stream& s) {
  const mx::array Q = split_heads(a.q(q, s), heads, s), K = split_heads(a.k(k, s), heads, s), V = split_heads(a.v(v, s), heads, s);
  const float scale = 1.0f / std::sqrt(float(Q.shape(3)));
  return a.out(merge_heads(attention(Q, K, V, scale, std::nullopt, s), s), s);
}

}  // namespace detail

namespace {

// ConvTranspose2d(kernel 2, stride 2) as one matmul: every input pixel becomes a 2x2 block.
mx::array upscale2x(const mx::array& x, const mx::array& w, const mx::array& b, const mx::Stream& s) {
  const int P = x.shape(0), H = x.shape(1), W = x.shape(2), out = w.shape(1) / 4;
  mx::array y = mx::reshape(mx::matmul(x, w, s), {P, H, W, out, 2, 2}, s);
  y = mx::reshape(mx::transpose(y, {0, 1, 4, 2, 5, 3}, s), {P, 2 * H, 2 * W, out}, s);
  return mx::add(y, b, s);
}

mx::array conv_bias(const mx::array& x, const mx::array& w, const mx::array& b, int stride, const mx::Stream& s) {
  return mx::add(mx::conv2d(x, w, {stride, stride}, {0, 0}, {1, 1}, 1, s), b, s);
}

}  // namespace

mx::array SamModel::fourier(const mx::array& unit, const mx::Stream& s) const {
  const mx::array c = mx::subtract(mx::multiply(mx::astype(unit, mx::float32, s), mx::array(2.0f), s), mx::array(1.0f), s);
  const mx::array proj = mx::multiply(mx::matmul(c, mx::astype(w_->gaussian, mx::float32, s), s), mx::array(float(2.0 * M_PI)), s);
  return mx::astype(mx::concatenate({mx::sin(proj, s), mx::cos(proj, s)}, -1, s), dtype_, s);
}

mx::array SamModel::image_positional_embeddings(mx::StreamOrDevice sd) const {
  const mx::Stream s = op_stream(sd);
  const int n = config_.embedding_size;
  const mx::array t = mx::divide(mx::add(mx::arange(n, mx::float32, s), mx::array(0.5f), s), mx::array(float(n)), s);
  const mx::array x = mx::broadcast_to(mx::reshape(t, {1, n, 1}, s), {n, n, 1}, s);
  const mx::array y = mx::broadcast_to(mx::reshape(t, {n, 1, 1}, s), {n, n, 1}, s);
  return fourier(mx::concatenate({x, y}, 2, s), s);
}

std::pair<mx::array, mx::array> SamModel::embed_prompts(const SamPrompts& pr, mx::StreamOrDevice sd) const {
  const mx::Stream s = op_stream(sd);
  const float size = float(config_.image_size);
  std::vector<mx::array> parts;
  int P = -1;
  if (pr.points) {
    if (!pr.labels || pr.points->ndim() != 3 || pr.points->shape(2) != 2 || pr.labels->shape() != mx::Shape{pr.points->shape(0), pr.points->shape(1)})
      throw std::invalid_argument("[vision.sam] points must be [P, N, 2] with labels [P, N]");
    P = pr.points->shape(0);
    mx::array pts = mx::add(mx::astype(*pr.points, mx::float32, s), mx::array(0.5f), s);
    mx::array lab = mx::astype(*pr.labels, mx::int32, s);
    if (!pr.boxes) {  // a not-a-point row at (0, 0) stands for the missing box
      pts = mx::concatenate({pts, mx::zeros({P, 1, 2}, mx::float32, s)}, 1, s);
      lab = mx::concatenate({lab, mx::full({P, 1}, -1, mx::int32, s)}, 1, s);
    }
    mx::array e = fourier(mx::divide(pts, mx::array(size), s), s);
    const mx::array l = mx::expand_dims(lab, 2, s);
    e = mx::where(mx::equal(l, mx::array(-1), s), w_->not_a_point, e, s);
    e = mx::where(mx::equal(l, mx::array(-10), s), mx::array(0.0f, dtype_), e, s);
    e = mx::where(mx::equal(l, mx::array(0), s), mx::add(e, w_->point_embed[0], s), e, s);
    e = mx::where(mx::equal(l, mx::array(1), s), mx::add(e, w_->point_embed[1], s), e, s);
    parts.push_back(e);
  }
  if (pr.boxes) {
    if (pr.boxes->ndim() != 2 || pr.boxes->shape(1) != 4 || (P >= 0 && pr.boxes->shape(0) != P))
      throw std::invalid_argument("[vision.sam] boxes must be [P, 4] (x0, y0, x1, y1), P as the points'");
    P = pr.boxes->shape(0);
    const mx::array corners = mx::reshape(mx::add(mx::astype(*pr.boxes, mx::float32, s), mx::array(0.5f), s), {P, 2, 2}, s);
    mx::array e = fourier(mx::divide(corners, mx::array(size), s), s);
    const mx::array add = mx::concatenate({w_->point_embed[2], w_->point_embed[3]}, 0, s);  // [2, C]
    parts.push_back(mx::add(e, add, s));
  }
  if (parts.empty()) throw std::invalid_argument("[vision.sam] a prompt needs points or a box, got neither");
  const mx::array sparse = parts.size() == 1 ? parts[0] : mx::concatenate(parts, 1, s);
  const int n = config_.embedding_size, C = config_.output_channels;
  mx::array dense = mx::reshape(w_->no_mask, {1, 1, 1, C}, s);
  if (pr.masks) {
    if (pr.masks->ndim() != 3 || pr.masks->shape(0) != P || pr.masks->shape(1) != 4 * n || pr.masks->shape(2) != 4 * n)
      throw std::invalid_argument("[vision.sam] mask prompts must be [P, " + std::to_string(4 * n) + ", " + std::to_string(4 * n) + "]");
    mx::array m = mx::expand_dims(mx::astype(*pr.masks, dtype_, s), 3, s);
    m = detail::gelu_erf(w_->mask_ln1(conv_bias(m, w_->mask_conv1_w, w_->mask_conv1_b, 2, s), s), s);
    m = detail::gelu_erf(w_->mask_ln2(conv_bias(m, w_->mask_conv2_w, w_->mask_conv2_b, 2, s), s), s);
    dense = conv_bias(m, w_->mask_conv3_w, w_->mask_conv3_b, 1, s);
  } else {
    dense = mx::broadcast_to(dense, {1, n, n, C}, s);
  }
  return {sparse, dense};
}

SamMasks SamModel::decode_masks(const mx::array& image, const SamPrompts& prompts, bool multimask, mx::StreamOrDevice sd) const {
  const mx::Stream s = op_stream(sd);
  const SamConfig& c = config_;
  const int n = c.embedding_size, C = c.output_channels, K = c.multimask_outputs + 1, heads = c.decoder_heads;
  if (image.shape() != mx::Shape{1, n, n, C})
    throw std::invalid_argument("[vision.sam] the image embedding must be [1, " + std::to_string(n) + ", " + std::to_string(n) + ", " + std::to_string(C) + "]");
  const auto [sparse, dense] = embed_prompts(prompts, s);
  const int P = sparse.shape(0);
  const mx::array out_tokens = mx::concatenate({w_->iou_token, w_->mask_tokens}, 0, s);
  const mx::array pe_q = mx::concatenate({mx::broadcast_to(mx::expand_dims(out_tokens, 0, s), {P, K + 1, C}, s), sparse}, 1, s);
  mx::array q = pe_q;
  mx::array k = mx::reshape(mx::broadcast_to(mx::add(mx::astype(image, dtype_, s), dense, s), {P, n, n, C}, s), {P, n * n, C}, s);
  const mx::array pe_k = mx::reshape(image_positional_embeddings(s), {1, n * n, C}, s);
  for (std::size_t i = 0; i < w_->two_way.size(); ++i) {
    const SamTwoWayLayerWeights& L = w_->two_way[i];
    if (i == 0) {
      q = detail::sam_attention(L.self_attn, heads, q, q, q, s);  // the first layer replaces the tokens
    } else {
      const mx::array qp = mx::add(q, pe_q, s);
      q = mx::add(q, detail::sam_attention(L.self_attn, heads, qp, qp, q, s), s);
    }
    q = L.ln1(q, s);
    const mx::array kp = mx::add(k, pe_k, s);
    q = L.ln2(mx::add(q, detail::sam_attention(L.token_to_image, heads, mx::add(q, pe_q, s), kp, k, s), s), s);
    q = L.ln3(mx::add(q, L.lin2(mx::maximum(L.lin1(q, s), mx::array(0.0f, q.dtype()), s), s), s), s);
    k = L.ln4(mx::add(k, detail::sam_attention(L.image_to_token, heads, mx::add(k, pe_k, s), mx::add(q, pe_q, s), q, s), s), s);
  }
  q = w_->final_ln(mx::add(q, detail::sam_attention(w_->final_attn, heads, mx::add(q, pe_q, s), mx::add(k, pe_k, s), k, s), s), s);

  mx::array up = upscale2x(mx::reshape(k, {P, n, n, C}, s), w_->up1_w, w_->up1_b, s);
  up = detail::gelu_erf(w_->up_ln(up, s), s);
  up = detail::gelu_erf(upscale2x(up, w_->up2_w, w_->up2_b, s), s);  // [P, 4n, 4n, C / 8]
  std::vector<mx::array> hyper;
  for (int i = 0; i < K; ++i)
    hyper.push_back(detail::sam_feed_forward(w_->hyper[std::size_t(i)], mx::squeeze(mx::slice(q, {0, 1 + i, 0}, {P, 2 + i, C}, s), 1, s), s));
  const int m = 4 * n;
  const mx::array flat = mx::reshape(up, {P, m * m, C / 8}, s);
  mx::array masks = mx::reshape(mx::matmul(mx::stack(hyper, 1, s), mx::transpose(flat, {0, 2, 1}, s), s), {P, K, m, m}, s);
  mx::array iou = detail::sam_feed_forward(w_->iou_head, mx::squeeze(mx::slice(q, {0, 0, 0}, {P, 1, C}, s), 1, s), s);
  const int first = multimask ? 1 : 0, last = multimask ? K : 1;
  masks = mx::slice(masks, {0, first, 0, 0}, {P, last, m, m}, s);
  iou = mx::slice(iou, {0, first}, {P, last}, s);
  return {mx::astype(masks, mx::float32, s), mx::astype(iou, mx::float32, s)};
}

}  // namespace robomlx::vision
