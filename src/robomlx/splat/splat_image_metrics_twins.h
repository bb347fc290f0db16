// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind ssim_map(). Both take validated operands
// (splat_image_metrics.h) and are differentiable in both images.
#pragma once

#include <array>
#include <cmath>

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::splat::detail {

namespace mx = mlx::core;

inline constexpr int kSsimWindow = 11;  // taps; the window's centre is tap 5
inline constexpr float kSsimC1 = 0.01f * 0.01f, kSsimC2 = 0.03f * 0.03f;

/// The 1-D Gaussian (sigma 1.5) normalised to sum 1; the 2-D window is its outer product.
inline std::array<float, kSsimWindow> ssim_taps() {
  std::array<double, kSsimWindow> g{};
  double sum = 0;
  for (int i = 0; i < kSsimWindow; ++i) sum += g[i] = std::exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
  std::array<float, kSsimWindow> out{};
  for (int i = 0; i < kSsimWindow; ++i) out[i] = static_cast<float>(g[i] / sum);
  return out;
}

/// MLX ops (two single-channel conv2d passes per local moment; autodiff gives the backward): any
/// device, and the parity reference for the twin.
mx::array ssim_map_portable(const mx::array& a, const mx::array& b, mx::Stream s);
/// A forward Primitive (the map, plus the five local moments kept for the backward) and a backward
/// Primitive, both threaded separable 11-tap loops, joined by a custom VJP. CPU streams.
mx::array ssim_map_cpu(const mx::array& a, const mx::array& b, mx::Stream s);

}  // namespace robomlx::splat::detail
