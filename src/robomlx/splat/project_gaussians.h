// SPDX-License-Identifier: Apache-2.0
// splat.project: graphdeco's preprocessCUDA as MLX ops (one elementwise pass per Gaussian, no
// twins: autodiff of these ops is graphdeco's computeCov2D / preprocess backward).
//
// Inputs, already activated as graphdeco takes them (N Gaussians, float32):
//   means3d [N, 3] world; scales [N, 3] standard deviations (exp of the log-scales);
//   rotations [N, 4] unit quaternions (w, x, y, z), not re-normalised here; opacities [N, 1];
//   shs [N, M, 3] coefficient-major SH, M = (d + 1)^2 >= (sh_degree + 1)^2, only the first
//   (sh_degree + 1)^2 used; screen_offsets [N, 2] added to the projected centre (zeros: their
//   gradient is d loss / d pixel position, graphdeco's means2D trick).
// Camera: ProjectionSettings (world to camera R, t; fx, fy; principal point cx, cy in COLMAP's
// convention, top-left pixel centre at (0.5, 0.5)). graphdeco kept exactly:
//   * near cull: view z <= 0.2 -> invisible (no far plane, no x/y frustum cull);
//   * centre: u = fx x / (z + 1e-7) + cx - 0.5 (pixel centres at integers; graphdeco's
//     ndc2Pix with cx = W/2 is this formula);
//   * Sigma = R S^2 R^T (S = diag(scale * scale_modifier)); EWA: x/z and y/z clamped to
//     +-1.3 tan(fov/2) with tan(fov_x/2) = W / (2 fx) (symmetric, as graphdeco, also for an
//     off-centre principal point) before J; cov2D = J W Sigma W^T J^T, + 0.3 on the diagonal;
//   * antialiased (Mip-Splatting / gsplat `antialiased`): opacity *= sqrt(max(2.5e-5,
//     det(cov) / det(cov + 0.3 I))); off: the 0.3 is still added, opacity unchanged;
//   * det == 0 -> invisible; conic = inverse 2x2; radius = ceil(3 sqrt(lambda_max)) with
//     lambda = mid +- sqrt(max(0.1, mid^2 - det)); tile rect [(u - r) / 16, (u + r + 15) / 16)
//     truncated and clamped to the grid; zero-area rect -> invisible;
//   * colour = SH(normalize(mean - camera centre)) + 0.5, clamped below at 0 (gradient 0 where
//     clamped); graphdeco's SH constants and basis order.
// Invisible Gaussians get radius 0 and an empty rect; their other outputs are finite (zeros or
// placeholders) and carry no gradient.
#pragma once

#include <array>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "robomlx/splat/blend_tiles.h"

namespace robomlx::splat {

struct ProjectionSettings {
  int width = 0, height = 0;
  double fx = 0, fy = 0, cx = 0, cy = 0;
  std::array<double, 9> rotation{1, 0, 0, 0, 1, 0, 0, 0, 1};  // world to camera, row-major
  std::array<double, 3> translation{0, 0, 0};
  float scale_modifier = 1.0f;
  int sh_degree = 0;
  bool antialiased = false;
  /// Throws std::invalid_argument "[splat.project] ..." unless the image is 1..16384 px a side,
  /// fx, fy > 0 and everything is finite, R is a rotation (within 1e-4), scale_modifier > 0 and
  /// sh_degree is 0..3.
  void validate() const;
  std::array<double, 3> camera_center() const;  // -R^T t
};

struct ProjectedGaussians {
  mx::array means2d;     // [N, 2] float32 pixel position (+ screen_offsets)
  mx::array conics;      // [N, 3] float32 (a, b, c)
  mx::array opacities;   // [N] float32 (AA-compensated when antialiased)
  mx::array colors;      // [N, 3] float32
  mx::array depths;      // [N] float32 view z (sort key; 1 for invisible)
  mx::array radii;       // [N] int32, 0 = invisible
  mx::array tile_rects;  // [N, 4] int32 (x0, y0, x1, y1) half-open, in tiles; empty if invisible
};

ProjectedGaussians project_gaussians(const mx::array& means3d, const mx::array& scales, const mx::array& rotations,
                                     const mx::array& opacities, const mx::array& shs,
                                     const mx::array& screen_offsets, const ProjectionSettings& settings,
                                     mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
