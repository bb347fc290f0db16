// SPDX-License-Identifier: Apache-2.0
// splat.blend: front-to-back alpha blending of projected, depth-sorted Gaussians per 16x16 tile,
// graphdeco's renderCUDA and its backward (the rasterizer's hot spot: the only stage with twins).
//
// Inputs (float32 unless said; N Gaussians, R tile/Gaussian pairs, T tiles):
//   means2d      [N, 2]  pixel position of the centre; pixel centres at integer coordinates
//                        (graphdeco: pixel (x, y) is sampled at exactly (x, y))
//   conics       [N, 3]  (a, b, c): inverse of the dilated 2D covariance [[a, b], [b, c]]
//   opacities    [N]     in [0, 1] (after antialiasing compensation, when on)
//   colors       [N, 3]  RGB of each Gaussian (SH already evaluated, clamped >= 0)
//   inv_depths   [N]     1 / view-space z (blended into the inverse-depth image)
//   point_list   [R]     int32 Gaussian ids sorted by (tile, depth): TileBins::point_list
//   tile_ranges  [T, 2]  int32 [start, end) of each tile's slice of point_list, tiles row-major
//                        (tile = ty * tiles_x + tx, tiles_x = ceil(W / 16))
// Per pixel, over its tile's list in order, graphdeco's rules exactly:
//   power = -0.5 (a dx^2 + c dy^2) - b dx dy with (dx, dy) = mean - pixel; skip when power > 0;
//   alpha = min(0.99, opacity * exp(power)); skip when alpha < 1/255;
//   stop (this Gaussian not added) when T (1 - alpha) < 1e-4; else C += color alpha T,
//   D += inv_depth alpha T, T *= 1 - alpha.
// Outputs: color [3, H, W] = C + T_final * background (planar CHW, not clamped), inv_depth
// [1, H, W] = D (not normalised, no background, as graphdeco's newest invdepth), alpha [1, H, W] =
// 1 - T_final.
//
// Differentiable in means2d, conics, opacities, colors and inv_depths (point_list and tile_ranges
// are integer, no gradient), with graphdeco's backward semantics, including its quirk: the 0.99
// alpha clamp is passed through (d alpha / d (opacity G) = 1 even where the clamp bites), the skip
// and stop decisions are constants. The gradient of means2d is d loss / d pixel position (graphdeco
// reports it scaled by 0.5 W, 0.5 H; rasterize() does that scaling, not this op).
#pragma once

#include <array>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

namespace robomlx::splat {

namespace mx = mlx::core;

inline constexpr int kTileSize = 16;  // graphdeco's BLOCK_X = BLOCK_Y

struct BlendSettings {
  int width = 0, height = 0;
  std::array<float, 3> background{0, 0, 0};
  int tiles_x() const { return (width + kTileSize - 1) / kTileSize; }
  int tiles_y() const { return (height + kTileSize - 1) / kTileSize; }
  /// Throws std::invalid_argument "[splat.blend] ..." unless 1 <= width, height <= 16384 and the
  /// background is finite.
  void validate() const;
};

struct BlendOutput {
  mx::array color;      // [3, H, W]
  mx::array inv_depth;  // [1, H, W]
  mx::array alpha;      // [1, H, W]
};

/// Blends every tile. Validates dtypes and shapes (std::invalid_argument naming the operand);
/// ids and ranges are trusted to come from bin_tiles() with the same N and settings.
BlendOutput blend_tiles(const mx::array& means2d, const mx::array& conics, const mx::array& opacities,
                        const mx::array& colors, const mx::array& inv_depths, const mx::array& point_list,
                        const mx::array& tile_ranges, const BlendSettings& settings, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
