// SPDX-License-Identifier: Apache-2.0
// Private (not installed): what the twins of splat.blend share. graphdeco's constants, the
// per-pixel alpha of one Gaussian (CPU twin; the GPU kernels have theirs in kernels/blend_tiles.cuh),
// and the custom-VJP join: a twin's forward returns the three images plus the per-pixel state its
// backward reads (T_final and the last contributor), its backward returns the five gradients.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include <mlx/array.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <mlx/utils.h>

#include "robomlx/core/custom_vjp_internal.h"
#include "robomlx/splat/blend_tiles_twins.h"

namespace robomlx::splat::detail {

inline constexpr float kBlendAlphaMax = 0.99f;          // alpha clamp
inline constexpr float kBlendAlphaMin = 1.0f / 255.0f;  // skip below
inline constexpr float kBlendMinT = 0.0001f;            // stop when T (1 - alpha) falls below

/// log(1/255 / opacity) less a margin: where power is below it, opacity exp(power) < 1/255 for
/// certain (the margin, a factor e^-0.001, dwarfs the float errors of exp, the product and this
/// log), so the skip is decided without the exp and exactly as with it. +inf for opacity <= 0.
inline float blend_skip_below(float opacity) {
  return opacity > 0.0f ? std::log(kBlendAlphaMin / opacity) - 0.001f : std::numeric_limits<float>::infinity();
}

/// One Gaussian at pixel (px, py): alpha (after the clamp) and G = exp(power); false when skipped
/// (power > 0 or alpha < 1/255). dx, dy = mean - pixel; skip_below = blend_skip_below(opacity).
inline bool blend_alpha(const float* mean, const float* conic, float opacity, float skip_below, float px, float py,
                        float& alpha, float& g, float& dx, float& dy) {
  dx = mean[0] - px;
  dy = mean[1] - py;
  const float power = -0.5f * (conic[0] * dx * dx + conic[2] * dy * dy) - conic[1] * dx * dy;
  if (power > 0.0f || power < skip_below) return false;
  g = std::exp(power);
  alpha = std::min(kBlendAlphaMax, opacity * g);
  return alpha >= kBlendAlphaMin;
}

/// A twin's forward: {color [3,H,W], inv_depth [1,H,W], alpha [1,H,W], final_T [H,W] float32,
/// n_contrib [H,W] int32 (1 + the tile-list position of the pixel's last contributor, 0 if none)}.
using BlendForwardFn = std::function<std::vector<mx::array>(const BlendOperands&)>;
/// A twin's backward from the operands, {final_T, n_contrib} and the cotangents {color, inv_depth,
/// alpha} (float32, contiguous): the gradients of {means2d, conics, opacities, colors, inv_depths}.
using BlendBackwardFn = std::function<std::vector<mx::array>(const BlendOperands&, const std::vector<mx::array>&,
                                                             const std::vector<mx::array>&)>;

/// Joins a twin's forward and backward with a custom VJP on `s`; the ids and ranges get zero
/// gradients.
inline BlendOutput blend_with_vjp(const BlendOperands& in, mx::Stream s, BlendForwardFn forward_fn,
                                  BlendBackwardFn backward_fn) {
  auto operands = [](const std::vector<mx::array>& p) {
    return BlendOperands{p[0], p[1], p[2], p[3], p[4], p[5], p[6]};
  };
  auto forward = [=](const std::vector<mx::array>& p) { return forward_fn(operands(p)); };
  auto backward = [=](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                      const std::vector<mx::array>& out) {
    std::vector<mx::array> dy;
    for (int i = 0; i < 3; ++i) dy.push_back(mx::contiguous(mx::astype(cot[i], mx::float32, s), false, s));
    auto grads = backward_fn(operands(p), {out[3], out[4]}, dy);
    grads.push_back(mx::zeros_like(p[5], s));
    grads.push_back(mx::zeros_like(p[6], s));
    return grads;
  };
  auto out = robomlx::detail::custom_vjp_on(s, forward, backward,
                                 {in.means2d, in.conics, in.opacities, in.colors, in.inv_depths, in.point_list,
                                  in.tile_ranges});
  return BlendOutput{out[0], out[1], out[2]};
}

/// The CPU twin's operands as host pointers (contiguous float32 / int32, blend_tiles.h layouts).
struct BlendCpuArgs {
  const float *means2d, *conics, *opacities, *colors, *inv_depths;
  const std::int32_t *point_list, *tile_ranges;
  std::int64_t num_pairs;
  int num_gaussians, width, height;
  float background[3];
};

/// Forward over every tile (threaded): the three images, T_final and n_contrib.
void blend_forward_loop(const BlendCpuArgs& a, float* color, float* inv_depth, float* alpha, float* final_t,
                        std::int32_t* n_contrib);
/// Backward over every tile (threaded, deterministic): gradients from the forward's state and the
/// cotangents (planar as the images).
void blend_backward_loop(const BlendCpuArgs& a, const float* final_t, const std::int32_t* n_contrib,
                         const float* d_color, const float* d_inv_depth, const float* d_alpha, float* g_means2d,
                         float* g_conics, float* g_opacities, float* g_colors, float* g_inv_depths);

}  // namespace robomlx::splat::detail
