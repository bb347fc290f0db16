// SPDX-License-Identifier: Apache-2.0
// Private: the building blocks CLIP and SAM share (PyTorch-layout Linear, LayerNorm, activations,
// multi-head attention through mx::fast::scaled_dot_product_attention), and how they are taken
// from a TensorStore by their Hugging Face names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "robomlx/vision/vision_checkpoint_internal.h"

namespace robomlx::vision::detail {

struct Linear {
  mx::array w{0.0f};                // [out, in], PyTorch layout
  std::optional<mx::array> b;       // [out]
  mx::array operator()(const mx::array& x, const mx::Stream& s) const;
};

struct LayerNorm {
  mx::array w{0.0f}, b{0.0f};
  float eps = 1e-5f;
  mx::array operator()(const mx::array& x, const mx::Stream& s) const;
};

/// `prefix`.weight [out, in] and, when `bias`, `prefix`.bias [out].
Linear take_linear(TensorStore& t, const std::string& prefix, int in, int out, bool bias = true);
LayerNorm take_norm(TensorStore& t, const std::string& prefix, int dim, double eps);
/// One Linear whose outputs are the parts' outputs side by side (weights stacked along out):
/// one GEMM instead of one per part, the same dot products. Lazy: evaluate w and b after.
Linear fuse_linears(const std::vector<Linear>& parts);

/// A convolution whose stride equals its kernel (ViT patch embedding) as one matmul: x NHWC
/// [B, H, W, C] (H, W multiples of p), w [D, p, p, C] (MLX layout) -> [B, H / p, W / p, D]. Same
/// sums as mx::conv2d, but a GEMM on every backend (MLX's CPU convolution is far slower).
mx::array patch_embed(const mx::array& x, const mx::array& w, int p, const mx::Stream& s);

/// x * sigmoid(1.702 x) and 0.5 x (1 + erf(x / sqrt 2)), each one fused kernel on the thread's
/// default stream (mx::compile), op by op on any other stream.
mx::array quick_gelu(const mx::array& x, const mx::Stream& s);
mx::array gelu_erf(const mx::array& x, const mx::Stream& s);

/// [B, L, heads * d] -> [B, heads, L, d].
mx::array split_heads(const mx::array& x, int heads, const mx::Stream& s);
/// [B, heads, L, d] -> [B, L, heads * d].
mx::array merge_heads(const mx::array& x, const mx::Stream& s);
/// softmax(q k^T * scale [+ mask]) v over heads; q, k, v [B, heads, L, d]; mask boolean
/// (true = attend), broadcastable to [B, heads, Lq, Lk].
mx::array attention(const mx::array& q, const mx::array& k, const mx::array& v, float scale,
                    const std::optional<mx::array>& mask, const mx::Stream& s);

}  // namespace robomlx::vision::detail
