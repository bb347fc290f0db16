// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the pieces of project_gaussians(), on a resolved stream, inputs checked.
#pragma once

#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/splat/project_gaussians.h"

namespace robomlx::splat::detail {

inline constexpr float kGuardBand = 1.3f;

// The camera as float32 scalars, in this order (the compiled variant gets them as one [kCameraTerms]
// input): R row-major (world to camera), t, the camera centre -R^T t, fx, fy, cx - 0.5, cy - 0.5,
// scale_modifier, the EWA clamp limits 1.3 W / 2fx and 1.3 H / 2fy, and the tile grid size.
enum : int {
  kTermR = 0,
  kTermT = 9,
  kTermCampos = 12,
  kTermFx = 15,
  kTermFy,
  kTermCx,
  kTermCy,
  kTermScale,
  kTermLimX,
  kTermLimY,
  kTermTilesX,
  kTermTilesY,
  kCameraTerms
};
std::vector<float> camera_terms(const ProjectionSettings& cam);

// What changes the graph (not only its inputs): one compiled variant per pair.
struct ProjectionShape {
  int sh_degree = 0;
  bool antialiased = false;
};

/// The op's formulas as MLX ops, camera terms k[kCameraTerms] given as 0-d float32 arrays.
ProjectedGaussians project_gaussians_body(const mx::array& means3d, const mx::array& scales,
                                          const mx::array& rotations, const mx::array& opacities,
                                          const mx::array& shs, const mx::array& screen_offsets,
                                          const std::vector<mx::array>& k, ProjectionShape shape, mx::Stream s);

/// The body with the camera as constants, differentiated op by op by MLX (what the CPU runs).
ProjectedGaussians project_gaussians_portable(const mx::array& means3d, const mx::array& scales,
                                              const mx::array& rotations, const mx::array& opacities,
                                              const mx::array& shs, const mx::array& screen_offsets,
                                              const ProjectionSettings& settings, mx::Stream s);

/// The same body under mx::compile (the camera as an input, one graph for every view), with a
/// custom VJP whose backward is the compiled vjp of the body: the forward's temporaries are
/// recomputed inside the fused backward instead of being kept as [N] arrays, and each direction is
/// a few fused kernels instead of hundreds of [N]-sized ones (what a GPU runs, Metal included).
ProjectedGaussians project_gaussians_fused(const mx::array& means3d, const mx::array& scales,
                                           const mx::array& rotations, const mx::array& opacities,
                                           const mx::array& shs, const mx::array& screen_offsets,
                                           const ProjectionSettings& settings, mx::Stream s);

/// graphdeco's SH colour: sum_k basis_k(dir) shs[:, k, :] for k < (degree + 1)^2, + 0.5, clamped
/// below at 0. dirs [N, 3] unit view directions (mean - camera centre); returns [N, 3].
mx::array sh_to_color(const mx::array& shs, const mx::array& dirs, int degree, mx::Stream s);

}  // namespace robomlx::splat::detail
