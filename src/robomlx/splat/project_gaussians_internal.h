// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the pieces of project_gaussians(), on a resolved stream, inputs checked.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/splat/project_gaussians.h"

namespace robomlx::splat::detail {

ProjectedGaussians project_gaussians_portable(const mx::array& means3d, const mx::array& scales,
                                              const mx::array& rotations, const mx::array& opacities,
                                              const mx::array& shs, const mx::array& screen_offsets,
                                              const ProjectionSettings& settings, mx::Stream s);

/// graphdeco's SH colour: sum_k basis_k(dir) shs[:, k, :] for k < (degree + 1)^2, + 0.5, clamped
/// below at 0. dirs [N, 3] unit view directions (mean - camera centre); returns [N, 3].
mx::array sh_to_color(const mx::array& shs, const mx::array& dirs, int degree, mx::Stream s);

}  // namespace robomlx::splat::detail
