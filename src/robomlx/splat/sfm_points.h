// SPDX-License-Identifier: Apache-2.0
// Structure-from-motion points: what a capture brings to initialise Gaussians from (COLMAP's
// points3D, a nerfstudio `ply_file_path`, a plain coloured PLY).
#pragma once

#include <string>

#include <mlx/array.h>
#include <mlx/ops.h>

namespace robomlx::splat {

namespace mx = mlx::core;

struct SfmPoints {
  mx::array xyz = mx::zeros({0, 3}, mx::float32);  // [N, 3] world positions
  mx::array rgb = mx::zeros({0, 3}, mx::uint8);    // [N, 3] colours
  int size() const { return xyz.ndim() == 2 ? xyz.shape(0) : 0; }
};

/// A PLY point cloud: x y z (any numeric type) and red green blue (uchar, or float 0..1);
/// points without colours are mid-grey (128). NaN or infinite values are refused naming the
/// vertex and property (FormatError "[splat.ply] <file>: ..."), as is a file without x, y, z;
/// the points cap applies (InputLimitError).
SfmPoints read_sfm_points_ply(const std::string& path);

}  // namespace robomlx::splat
