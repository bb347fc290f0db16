// SPDX-License-Identifier: Apache-2.0
// RMS normalization over the last axis (op "serve.rms_norm"), as every decoder layer runs it twice
// (Gemma 3: six times, also over each attention head):
//   y[..., i] = x[..., i] / sqrt(mean_j x[..., j]^2 + eps) * weight[i],
// the mean and the normalization in float32, the normalized value rounded to x's dtype before the
// product with weight (mx::fast::rms_norm's order).
//
// Implementations: portable = mx::fast::rms_norm (one kernel on CUDA and Metal; MLX 0.32 has no CPU
// kernel for it and runs it as a fallback of ~10 graph nodes, each a hand-off to the CPU stream's
// thread). cpu = one threaded Primitive (rows split across threads; any strides).
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::serve {

namespace mx = mlx::core;

/// x [..., D] float32, float16 or bfloat16; weight [D] of x's dtype; returns x's shape and dtype.
/// Throws std::invalid_argument for other shapes or dtypes, or eps < 0.
mx::array rms_norm(const mx::array& x, const mx::array& weight, float eps, mx::StreamOrDevice s = {});

}  // namespace robomlx::serve
