// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/disparity_to_points.h"

#include <cmath>
#include <limits>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"
#include "robomlx/core/io/ply.h"

namespace robomlx::stereo {

namespace {
constexpr const char* kTag = "stereo.point_cloud";
}

mx::array disparity_to_points(const mx::array& disparity, const RectifiedGeometry& geometry, mx::StreamOrDevice s) {
  check_ndim(kTag, "disparity", disparity, 2);
  check_dtype(kTag, "disparity", disparity, {mx::float32});
  check_range(kTag, "focal_px", geometry.focal_px, 1e-6, 1e7);
  check_range(kTag, "baseline_mm", geometry.baseline_mm, 1e-6, 1e7);
  const int h = disparity.shape(0), w = disparity.shape(1);
  const auto q = geometry.q();
  const mx::array xs = mx::reshape(mx::astype(mx::arange(w, s), mx::float32, s), {1, w}, s);
  const mx::array ys = mx::reshape(mx::astype(mx::arange(h, s), mx::float32, s), {h, 1}, s);
  const mx::array d = disparity;
  auto scaled = [&](int i, const mx::array& a) { return mx::multiply(mx::array(float(q[i])), a, s); };
  // Row r of Q [x y d 1]^T, summed in the order x, y, d, constant.
  auto row = [&](int r) {
    const mx::array xy = mx::add(scaled(4 * r, xs), scaled(4 * r + 1, ys), s);
    return mx::add(mx::add(xy, scaled(4 * r + 2, d), s), mx::array(float(q[4 * r + 3])), s);
  };
  const mx::array valid = mx::logical_and(mx::greater(d, mx::array(0.0f), s), mx::isfinite(d, s), s);
  const mx::array wcoord = mx::where(valid, row(3), mx::array(1.0f), s);
  const mx::array nan = mx::array(std::numeric_limits<float>::quiet_NaN());
  std::vector<mx::array> xyz;
  for (int r = 0; r < 3; ++r)
    xyz.push_back(mx::where(valid, mx::divide(mx::broadcast_to(row(r), {h, w}, s), wcoord, s), nan, s));
  return mx::stack(xyz, -1, s);
}

PointCloud make_point_cloud(const mx::array& disparity, const mx::array& left_image, const RectifiedGeometry& geometry,
                            double min_depth_mm, double max_depth_mm, mx::StreamOrDevice s) {
  const mx::array points = disparity_to_points(disparity, geometry, s);
  if (left_image.shape(0) != disparity.shape(0) || left_image.shape(1) != disparity.shape(1))
    fail_argument(kTag, "left image must be " + shape_string({disparity.shape(0), disparity.shape(1)}) +
                            " like the disparity, got " + shape_string(left_image.shape()));
  check_dtype(kTag, "left image", left_image, {mx::uint8});
  mx::array colour = left_image;
  if (colour.ndim() == 2) colour = mx::expand_dims(colour, -1, s);
  if (colour.shape(2) == 1) colour = mx::repeat(colour, 3, 2, s);
  if (colour.shape(2) != 3) fail_argument(kTag, "left image must be grey or RGB, got " + shape_string(left_image.shape()));
  mx::array p = mx::contiguous(points, false, s), c = mx::contiguous(colour, false, s);
  mx::eval(p, c);
  // No boolean compaction in MLX (static shapes), so the valid points are gathered on the host.
  PointCloud cloud;
  const float* xyz = p.data<float>();
  const std::uint8_t* rgb = c.data<std::uint8_t>();
  const std::size_t n = std::size_t(disparity.shape(0)) * disparity.shape(1);
  for (std::size_t i = 0; i < n; ++i) {
    const float z = xyz[3 * i + 2];
    if (!std::isfinite(z) || z < min_depth_mm || z > max_depth_mm) continue;
    cloud.xyz.insert(cloud.xyz.end(), xyz + 3 * i, xyz + 3 * i + 3);
    cloud.rgb.insert(cloud.rgb.end(), rgb + 3 * i, rgb + 3 * i + 3);
  }
  return cloud;
}

void write_ply(const std::string& path, const PointCloud& cloud) {
  const int n = int(cloud.size());
  PlyPoints points;
  points.positions = mx::array(cloud.xyz.begin(), {n, 3}, mx::float32);
  points.colors = mx::array(cloud.rgb.begin(), {n, 3}, mx::uint8);
  write_ply_points(path, points);
}

}  // namespace robomlx::stereo
