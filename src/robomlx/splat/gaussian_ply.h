// SPDX-License-Identifier: Apache-2.0
// 3D Gaussian-splatting PLY files in the standard layout (graphdeco's save_ply / load_ply): one
// `vertex` element, one float per property, raw pre-activation values:
//   x y z [nx ny nz]  f_dc_0..2  f_rest_0..f_rest_{K-1}  opacity  scale_0..2  rot_0..3
// K = 3 * ((d + 1)^2 - 1) = 0, 9, 24 or 45 for SH degree d = 0..3. f_rest is CHANNEL-major:
// f_rest_{c * (M - 1) + (k - 1)} is coefficient k (1..M-1) of channel c (0 = R, 1 = G, 2 = B);
// GaussianScene::sh is coefficient-major, so the reader transposes. rot_0 is w (the real part).
//
// Reading keys on property names, not positions (tools reorder properties or drop the zero
// normals); extra properties are ignored. ASCII, binary little- and big-endian files are read
// (core/io/ply.h), float or double properties. Refused with FormatError "[splat.ply] <file>:
// ...": a missing property (naming it and the layout), f_rest_* counts other than 0/9/24/45 or
// with gaps, integer-typed Gaussian properties, NaN or infinite values (naming the vertex and the
// property), and plain point clouds (x y z + colours, e.g. COLMAP's points3D export: read those
// with read_sfm_points_ply). The points and elements caps (core/input_policy.h) are checked
// from the header before anything is allocated (InputLimitError).
#pragma once

#include <string>

#include "robomlx/core/io/ply.h"
#include "robomlx/splat/gaussian_scene.h"

namespace robomlx::splat {

/// The scene of a decoded PLY (`file` names it in messages).
GaussianScene gaussian_scene_from_ply(const PlyData& ply, const std::string& file = "<memory>");
GaussianScene read_gaussian_ply(const std::string& path);

/// The standard layout, float32: x y z nx ny nz (zeros, as graphdeco writes them) f_dc_0..2
/// f_rest_* opacity scale_0..2 rot_0..3. Throws std::invalid_argument "[splat.ply] ..." for an
/// invalid scene or a non-finite value (naming the row and the property), before writing.
PlyData gaussian_scene_to_ply(const GaussianScene& scene);
/// Writes atomically (nothing is left behind on failure); binary little-endian by default.
void write_gaussian_ply(const std::string& path, const GaussianScene& scene,
                        PlyFormat format = PlyFormat::BinaryLittleEndian);

}  // namespace robomlx::splat
