// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/splat_camera.h"

#include <cmath>

#include "robomlx/core/input_policy.h"
#include "robomlx/splat/splat_error_internal.h"

namespace robomlx::splat {

Vec3 Camera::center() const {
  const auto& r = rotation;
  const auto& t = translation;
  return {-(r[0] * t[0] + r[3] * t[1] + r[6] * t[2]), -(r[1] * t[0] + r[4] * t[1] + r[7] * t[2]),
          -(r[2] * t[0] + r[5] * t[1] + r[8] * t[2])};
}

Vec3 Camera::to_camera(const Vec3& x) const {
  const auto& r = rotation;
  return {r[0] * x[0] + r[1] * x[1] + r[2] * x[2] + translation[0],
          r[3] * x[0] + r[4] * x[1] + r[5] * x[2] + translation[1],
          r[6] * x[0] + r[7] * x[1] + r[8] * x[2] + translation[2]};
}

std::array<double, 2> Camera::project(const Vec3& x_world) const {
  const Vec3 p = to_camera(x_world);
  return {fx * p[0] / p[2] + cx, fy * p[1] / p[2] + cy};
}

std::array<double, 16> Camera::world_to_camera() const {
  const auto& r = rotation;
  const auto& t = translation;
  return {r[0], r[1], r[2], t[0], r[3], r[4], r[5], t[1], r[6], r[7], r[8], t[2], 0, 0, 0, 1};
}

double Camera::fov_x() const { return 2 * std::atan(width / (2 * fx)); }
double Camera::fov_y() const { return 2 * std::atan(height / (2 * fy)); }

void set_camera_to_world(Camera& camera, const Mat3& c2w, const Vec3& c) {
  // R = c2w^T, t = -R c.
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) camera.rotation[i * 3 + j] = c2w[j * 3 + i];
  }
  const auto& r = camera.rotation;
  for (int i = 0; i < 3; ++i) camera.translation[i] = -(r[i * 3] * c[0] + r[i * 3 + 1] * c[1] + r[i * 3 + 2] * c[2]);
}

Mat3 rotation_from_quaternion(double w, double x, double y, double z) {
  const double n = std::sqrt(w * w + x * x + y * y + z * z);
  w /= n, x /= n, y /= n, z /= n;
  return {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
          2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
          2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
}

void check_camera_intrinsics(const Camera& c, const std::string& tag, const std::string& file, const std::string& where) {
  auto fail = [&](const std::string& what) { detail::fail_format(tag, file, where + ": " + what); };
  if (c.width < 1 || c.width > 65535 || c.height < 1 || c.height > 65535) {
    fail("image size must be in [1, 65535] x [1, 65535], got " + std::to_string(c.width) + "x" +
         std::to_string(c.height));
  }
  try {
    check_image_size(std::uint64_t(c.width), std::uint64_t(c.height), file, where + ": camera image");
  } catch (const FormatError& e) {
    detail::retag(tag, e);
  }
  for (auto [name, v] : {std::pair{"fx", c.fx}, std::pair{"fy", c.fy}}) {
    if (!(std::isfinite(v) && v > 0)) fail(std::string(name) + " must be a finite number > 0, got " + number_text(v));
  }
  for (auto [name, v] : {std::pair{"cx", c.cx}, std::pair{"cy", c.cy}}) {
    if (!std::isfinite(v)) fail(std::string(name) + " must be finite, got " + number_text(v));
  }
}

void check_camera_pose(const Camera& c, const std::string& tag, const std::string& file, const std::string& where) {
  auto fail = [&](const std::string& what) { detail::fail_format(tag, file, where + ": " + what); };
  for (double v : c.translation) {
    if (!std::isfinite(v)) fail("translation must be finite, got " + number_text(v));
  }
  // R R^T = I and det R = +1 (a reflection would flip the image).
  const auto& r = c.rotation;
  double worst = 0;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      const double d = r[i * 3] * r[j * 3] + r[i * 3 + 1] * r[j * 3 + 1] + r[i * 3 + 2] * r[j * 3 + 2];
      worst = std::fmax(worst, std::fabs(d - (i == j ? 1.0 : 0.0)));
      if (!std::isfinite(d)) worst = INFINITY;
    }
  }
  const double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
                     r[2] * (r[3] * r[7] - r[4] * r[6]);
  if (!(worst <= 1e-4) || !(det > 0)) {
    fail("rotation must be orthonormal with determinant +1 (|R R^T - I| <= 1e-4), got max deviation " +
         number_text(worst) + " and determinant " + number_text(det));
  }
}

void check_camera(const Camera& c, const std::string& tag, const std::string& file, const std::string& where) {
  check_camera_intrinsics(c, tag, file, where);
  check_camera_pose(c, tag, file, where);
}

}  // namespace robomlx::splat
