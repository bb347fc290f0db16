// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/orbit_cameras.h"

#include <cmath>
#include <cstdio>

#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/input_policy.h"

namespace robomlx::splat {

namespace {

constexpr const char* kTag = "splat.orbit";

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 normalized(const Vec3& a) {
  const double n = std::sqrt(dot(a, a));
  return {a[0] / n, a[1] / n, a[2] / n};
}

}  // namespace

void OrbitOptions::validate() const {
  check_range(kTag, "count", count, 1, 10000);
  for (double v : center) check_finite(kTag, "center", v);
  if (!(std::isfinite(radius) && radius > 0)) fail_argument(kTag, "radius must be a finite number > 0, got " + number_text(radius));
  if (elevations_deg.empty() || elevations_deg.size() > 16) {
    fail_argument(kTag, "elevations must be 1 to 16 angles (one ring each), got " + std::to_string(elevations_deg.size()));
  }
  for (double e : elevations_deg) {
    if (!(e > -89 && e < 89)) fail_argument(kTag, "elevation must be in (-89, 89) degrees, got " + number_text(e));
  }
  for (double v : up) check_finite(kTag, "up", v);
  if (!(dot(up, up) > 1e-24)) fail_argument(kTag, "up must be a non-zero vector");
  check_range(kTag, "width", width, 1, 16384);
  check_range(kTag, "height", height, 1, 16384);
  if (!(fov_x_deg > 0 && fov_x_deg < 179)) fail_argument(kTag, "fov must be in (0, 179) degrees, got " + number_text(fov_x_deg));
}

std::vector<Camera> orbit_cameras(const OrbitOptions& o) {
  o.validate();
  const Vec3 up = normalized(o.up);
  // u1: the world axis least aligned with up, minus its component along up.
  int axis = 0;
  for (int k = 1; k < 3; ++k)
    if (std::fabs(up[k]) < std::fabs(up[axis])) axis = k;
  Vec3 e{0, 0, 0};
  e[axis] = 1;
  const double along = dot(e, up);
  const Vec3 u1 = normalized({e[0] - along * up[0], e[1] - along * up[1], e[2] - along * up[2]});
  const Vec3 u2 = cross(up, u1);
  const double pi = std::acos(-1.0);
  const double f = 0.5 * o.width / std::tan(0.5 * o.fov_x_deg * pi / 180);
  const int rings = int(o.elevations_deg.size());
  std::vector<Camera> out;
  out.reserve(std::size_t(o.count) * rings);
  for (int ring = 0; ring < rings; ++ring) {
    const double elev = o.elevations_deg[ring] * pi / 180;
    for (int j = 0; j < o.count; ++j) {
      const double a = 2 * pi * (j + double(ring) / rings) / o.count;
      Vec3 dir;  // from the centre to the camera, unit length
      for (int k = 0; k < 3; ++k) dir[k] = std::cos(elev) * (std::cos(a) * u1[k] + std::sin(a) * u2[k]) + std::sin(elev) * up[k];
      const Vec3 c{o.center[0] + o.radius * dir[0], o.center[1] + o.radius * dir[1], o.center[2] + o.radius * dir[2]};
      const Vec3 z{-dir[0], -dir[1], -dir[2]};
      const Vec3 x = normalized(cross(z, up));  // |elevation| < 89 degrees keeps z away from up
      const Vec3 y = cross(z, x);
      Camera cam;
      char name[32];
      std::snprintf(name, sizeof(name), "view_%03zu.png", out.size());
      cam.name = name;
      cam.width = o.width, cam.height = o.height;
      cam.fx = cam.fy = f;
      cam.cx = 0.5 * o.width, cam.cy = 0.5 * o.height;
      set_camera_to_world(cam, {x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]}, c);
      out.push_back(std::move(cam));
    }
  }
  return out;
}

Vec3 scene_centroid(const GaussianScene& scene) {
  scene.validate();
  if (scene.size() == 0) fail_argument(kTag, "the scene has no Gaussians: no centroid to orbit");
  auto m = mx::contiguous(scene.means, false, mx::Device::cpu);
  mx::eval(m);
  const float* p = m.data<float>();
  Vec3 sum{0, 0, 0};
  for (int i = 0; i < scene.size(); ++i)
    for (int k = 0; k < 3; ++k) sum[k] += p[3 * i + k];
  return {sum[0] / scene.size(), sum[1] / scene.size(), sum[2] / scene.size()};
}

}  // namespace robomlx::splat
