// SPDX-License-Identifier: Apache-2.0
// The differentiable Gaussian rasterizer, graphdeco's (diff-gaussian-rasterization) conventions:
// project_gaussians (splat.project) -> bin_tiles (splat.bin) -> blend_tiles (splat.blend).
// Inputs are activated (project_gaussians.h); outputs and their gradients as graphdeco's, plus
// accumulated alpha. Differentiable in means3d, scales, rotations, opacities, shs and
// screen_offsets through MLX autodiff (value_and_grad of a loss of the outputs).
#pragma once

#include <cstdint>
#include <optional>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/splat/project_gaussians.h"
#include "robomlx/splat/splat_camera.h"
#include "robomlx/splat/tile_binning.h"

namespace robomlx::splat {

struct RasterSettings {
  ProjectionSettings camera;
  std::array<float, 3> background{0, 0, 0};
  std::int64_t max_pairs = kDefaultMaxPairs;
  /// From a capture camera (its size, intrinsics and pose).
  static RasterSettings from_camera(const Camera& camera, int sh_degree, std::array<float, 3> background = {0, 0, 0});
  BlendSettings blend() const { return {camera.width, camera.height, background}; }
};

struct RasterInputs {
  mx::array means3d, scales, rotations, opacities, shs;  // project_gaussians.h
  /// [N, 2] zeros (or absent: zeros are made). Its gradient times (0.5 W, 0.5 H) is graphdeco's
  /// grad_means2D (the densification statistic); see screen_gradient_scale().
  std::optional<mx::array> screen_offsets;
};

struct RasterOutput {
  mx::array color;      // [3, H, W] float32, background included, not clamped
  mx::array inv_depth;  // [1, H, W]
  mx::array alpha;      // [1, H, W]
  mx::array radii;      // [N] int32, 0 = culled
  std::int64_t num_rendered = 0;
};

RasterOutput rasterize(const RasterInputs& inputs, const RasterSettings& settings, mx::StreamOrDevice s = {});

/// graphdeco scales d loss / d pixel position by (0.5 W, 0.5 H) before reporting it.
inline std::array<float, 2> screen_gradient_scale(const RasterSettings& settings) {
  return {0.5f * settings.camera.width, 0.5f * settings.camera.height};
}

}  // namespace robomlx::splat
