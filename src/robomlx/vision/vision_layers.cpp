// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <stdexcept>
#include <vector>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/fused_internal.h"
#include "robomlx/vision/vision_layers_internal.h"

namespace robomlx::vision::detail {

mx::array Linear::operator()(const mx::array& x, const mx::Stream& s) const {
  if (b) return mx::addmm(*b, x, mx::transpose(w, s), 1.0f, 1.0f, s);
  return mx::matmul(x, mx::transpose(w, s), s);
}

mx::array LayerNorm::operator()(const mx::array& x, const mx::Stream& s) const {
  return mx::fast::layer_norm(x, w, b, eps, s);
}

Linear take_linear(TensorStore& t, const std::string& prefix, int in, int out, bool bias) {
  Linear l;
  l.w = t.take(prefix + ".weight", {out, in});
  if (bias) l.b = t.take(prefix + ".bias", {out});
  return l;
}

Linear fuse_linears(const std::vector<Linear>& parts) {
  std::vector<mx::array> ws, bs;
  for (const auto& l : parts) {
    ws.push_back(l.w);
    if (l.b) bs.push_back(*l.b);
  }
  if (!bs.empty() && bs.size() != parts.size()) throw std::invalid_argument("[vision] fuse_linears: every part needs a bias, or none");
  Linear f;
  f.w = mx::concatenate(ws, 0);
  if (!bs.empty()) f.b = mx::concatenate(bs, 0);
  return f;
}

LayerNorm take_norm(TensorStore& t, const std::string& prefix, int dim, double eps) {
  return LayerNorm{t.take(prefix + ".weight", {dim}), t.take(prefix + ".bias", {dim}), float(eps)};
}

mx::array patch_embed(const mx::array& x, const mx::array& w, int p, const mx::Stream& s) {
  const int B = x.shape(0), gh = x.shape(1) / p, gw = x.shape(2) / p, C = x.shape(3), D = w.shape(0);
  mx::array patches = mx::reshape(x, {B, gh, p, gw, p, C}, s);
  patches = mx::reshape(mx::transpose(patches, {0, 1, 3, 2, 4, 5}, s), {B, gh, gw, p * p * C}, s);
  return mx::matmul(patches, mx::transpose(mx::reshape(w, {D, p * p * C}, s), s), s);
}

namespace {

using Unary = mx::array (*)(const mx::array&, mx::StreamOrDevice);

mx::array quick_gelu_ops(const mx::array& x, mx::StreamOrDevice s) {
  return mx::multiply(x, mx::sigmoid(mx::multiply(x, mx::array(1.702f, x.dtype()), s), s), s);
}

mx::array gelu_erf_ops(const mx::array& x, mx::StreamOrDevice s) {
  const mx::array half(0.5f, x.dtype()), one(1.0f, x.dtype()), r(float(M_SQRT1_2), x.dtype());
  return mx::multiply(mx::multiply(x, half, s), mx::add(one, mx::erf(mx::multiply(x, r, s), s), s), s);
}

// F as one fused elementwise kernel (run_fused: mx::compile on the thread's default stream, op by
// op on any other) instead of 3 (quick_gelu) or 5 (gelu) passes over the MLP's widest tensor: the
// same ops in the same dtype, each intermediate still rounded to it (the kernel's compiler may
// contract a product into an fma: an ulp-level difference). On the CPU the fused kernel needs g++
// at run time (without it MLX runs the ops unfused) and is about as fast as the ops (these
// activations are compute-bound there).
template <Unary F>
std::vector<mx::array> unary_list(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {F(in[0], s)};
}

template <Unary F>
mx::array fused_unary(const mx::array& x, const mx::Stream& s) {
  return robomlx::detail::run_fused<unary_list<F>>({x}, s)[0];
}

}  // namespace

mx::array quick_gelu(const mx::array& x, const mx::Stream& s) { return fused_unary<quick_gelu_ops>(x, s); }

mx::array gelu_erf(const mx::array& x, const mx::Stream& s) { return fused_unary<gelu_erf_ops>(x, s); }

mx::array split_heads(const mx::array& x, int heads, const mx::Stream& s) {
  const int B = x.shape(0), L = x.shape(1), D = x.shape(2);
  return mx::transpose(mx::reshape(x, {B, L, heads, D / heads}, s), {0, 2, 1, 3}, s);
}

mx::array merge_heads(const mx::array& x, const mx::Stream& s) {
  const int B = x.shape(0), H = x.shape(1), L = x.shape(2), d = x.shape(3);
  return mx::reshape(mx::transpose(x, {0, 2, 1, 3}, s), {B, L, H * d}, s);
}

mx::array attention(const mx::array& q, const mx::array& k, const mx::array& v, float scale,
                    const std::optional<mx::array>& mask, const mx::Stream& s) {
  if (mask) return mx::fast::scaled_dot_product_attention(q, k, v, scale, "array", *mask, {}, false, s);
  return mx::fast::scaled_dot_product_attention(q, k, v, scale, "", {}, {}, false, s);
}

}  // namespace robomlx::vision::detail
