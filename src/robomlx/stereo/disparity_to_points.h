// SPDX-License-Identifier: Apache-2.0
// 3D points from a rectified disparity map and their PLY export.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/stereo/rectify.h"

namespace robomlx::stereo {

namespace mx = mlx::core;

/// Reprojects every pixel with the geometry's Q matrix: [X Y Z W] = Q [x y d 1], point =
/// (X, Y, Z) / W, i.e. Z = f*B/d, X = (x - cx) Z / f, Y = (y - cy) Z / f, in the baseline's unit
/// (mm), left rectified camera frame (X right, Y down, Z forward).
/// disparity: [H, W] float32 (invalid < 0) -> [H, W, 3] float32, invalid pixels NaN.
mx::array disparity_to_points(const mx::array& disparity, const RectifiedGeometry& geometry, mx::StreamOrDevice s = {});

/// A host point cloud: xyz (mm) and one RGB colour per point.
struct PointCloud {
  std::vector<float> xyz;         // 3 per point
  std::vector<std::uint8_t> rgb;  // 3 per point
  std::size_t size() const { return xyz.size() / 3; }
};

/// Valid points with min_depth_mm <= Z <= max_depth_mm, coloured by the left image (rectified,
/// [H, W, 3] uint8 RGB or [H, W] grey, same H, W as the disparity). The points are computed on
/// `s`, then gathered on the host (evaluates).
PointCloud make_point_cloud(const mx::array& disparity, const mx::array& left_image,
                            const RectifiedGeometry& geometry, double min_depth_mm = 0,
                            double max_depth_mm = 1e12, mx::StreamOrDevice s = {});

/// Binary little-endian PLY (x y z float in mm, red green blue uchar), written atomically
/// through core/io/ply.h.
void write_ply(const std::string& path, const PointCloud& cloud);

}  // namespace robomlx::stereo
