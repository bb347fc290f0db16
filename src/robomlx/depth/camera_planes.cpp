// SPDX-License-Identifier: Apache-2.0
// Camera models of librealsense src/rs.cpp (rs2_deproject_pixel_to_point, rs2_project_point_to_pixel,
// rs2_transform_point_to_point) as whole-image MLX ops. Operation order follows the C code so CPU
// results agree to the last bit where the SSE paths use the same order.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include <mlx/ops.h>

#include "robomlx/depth/camera_planes_internal.h"
#include "robomlx/depth/depth_to_points.h"

namespace robomlx::depth {

namespace {

mx::array f32(float v) { return mx::array(v, mx::float32); }

bool coeffs_zero(const Intrinsics& in) {
  for (float c : in.coeffs) {
    if (std::fabs(c) >= FLT_EPSILON) return false;
  }
  return true;
}

// Channel i of the last axis, squeezed.
mx::array component(const mx::array& p, int i) {
  const int last = p.ndim() - 1;
  mx::Shape lo(p.ndim(), 0), hi = p.shape();
  lo[last] = i;
  hi[last] = i + 1;
  return mx::squeeze(mx::slice(p, lo, hi), last);
}

}  // namespace

PlanesXY deproject_ray_planes(const Intrinsics& in, int height, int width, float offset) {
  const auto& k = in.coeffs;
  // (float)x + offset, as librealsense forms the pixel coordinate.
  const auto u = mx::reshape(mx::arange(0, width, 1, mx::float32), {1, width}) + f32(offset);
  const auto v = mx::reshape(mx::arange(0, height, 1, mx::float32), {height, 1}) + f32(offset);
  // Materialised (contiguous) planes: ops mixing broadcast views fall off MLX's fast CPU path.
  auto x = mx::contiguous(mx::broadcast_to(mx::divide(u - f32(in.ppx), f32(in.fx)), {height, width}));
  auto y = mx::contiguous(mx::broadcast_to(mx::divide(v - f32(in.ppy), f32(in.fy)), {height, width}));
  const auto xo = x, yo = y;
  const bool brown = in.model == Distortion::brown_conrady, inverse = in.model == Distortion::inverse_brown_conrady;
  if ((brown || inverse) && !coeffs_zero(in)) {
    // 10 fixed iterations (librealsense's empirical count); the inverse model evaluates the
    // tangential terms at the radially scaled point.
    for (int i = 0; i < 10; ++i) {
      const auto r2 = x * x + y * y;
      const auto icd = mx::divide(f32(1), f32(1) + ((f32(k[4]) * r2 + f32(k[1])) * r2 + f32(k[0])) * r2);
      const auto xq = inverse ? mx::divide(x, icd) : x;
      const auto yq = inverse ? mx::divide(y, icd) : y;
      const auto dx = f32(2 * k[2]) * xq * yq + f32(k[3]) * (r2 + f32(2) * xq * xq);
      const auto dy = f32(2 * k[3]) * xq * yq + f32(k[2]) * (r2 + f32(2) * yq * yq);
      x = (xo - dx) * icd;
      y = (yo - dy) * icd;
    }
  }
  if (in.model == Distortion::kannala_brandt4) {
    const auto rd = mx::maximum(mx::sqrt(x * x + y * y), f32(FLT_EPSILON));
    auto theta = rd, theta2 = rd * rd;
    auto done = mx::zeros(rd.shape(), mx::bool_);
    for (int i = 0; i < 4; ++i) {
      // Newton on theta * (1 + k1 t^2 + ...) = rd; a pixel stops when |f| < eps, as the C loop breaks.
      const auto poly = f32(1) + theta2 * (f32(k[0]) + theta2 * (f32(k[1]) + theta2 * (f32(k[2]) + theta2 * f32(k[3]))));
      const auto f = theta * poly - rd;
      done = mx::logical_or(done, mx::less(mx::abs(f), f32(FLT_EPSILON)));
      const auto df = f32(1) + theta2 * (f32(3 * k[0]) + theta2 * (f32(5 * k[1]) + theta2 * (f32(7 * k[2]) + f32(9) * theta2 * f32(k[3]))));
      theta = mx::where(done, theta, theta - mx::divide(f, df));
      theta2 = theta * theta;
    }
    const auto s = mx::divide(mx::tan(theta), rd);
    x = x * s;
    y = y * s;
  }
  if (in.model == Distortion::ftheta) {
    const auto rd = mx::maximum(mx::sqrt(x * x + y * y), f32(FLT_EPSILON));
    const float w = k[0];
    const auto r = std::fabs(w) < FLT_EPSILON
                       ? mx::zeros(rd.shape(), mx::float32)
                       : mx::divide(mx::tan(f32(w) * rd), f32(float(std::atan(2 * std::tan(w / 2.0f)))));
    const auto s = mx::divide(r, rd);
    x = x * s;
    y = y * s;
  }
  return {x, y};
}

mx::array deproject_rays(const Intrinsics& in, int height, int width, float offset) {
  auto r = deproject_ray_planes(in, height, width, offset);
  return mx::stack({r.x, r.y}, -1);
}

PlanesXYZ transform_planes(const PlanesXYZ& p, const Extrinsics& e) {
  const auto& r = e.rotation;
  const auto& t = e.translation;
  auto row = [&](int i) { return f32(r[i]) * p.x + (f32(r[i + 3]) * p.y + (f32(r[i + 6]) * p.z + f32(t[i]))); };
  return {row(0), row(1), row(2)};
}

mx::array transform_points(const mx::array& p, const Extrinsics& e) {
  auto q = transform_planes({component(p, 0), component(p, 1), component(p, 2)}, e);
  return mx::stack({q.x, q.y, q.z}, p.ndim() - 1);
}

mx::array project_points(const mx::array& p, const Intrinsics& in) {
  auto q = project_planes({component(p, 0), component(p, 1), component(p, 2)}, in);
  return mx::stack({q.x, q.y}, p.ndim() - 1);
}

PlanesXY project_planes(const PlanesXYZ& p, const Intrinsics& in) {
  auto x = mx::divide(p.x, p.z);
  auto y = mx::divide(p.y, p.z);
  const auto& k = in.coeffs;
  // All-zero coefficients leave Brown-Conrady points unchanged bit for bit (x * 1 + 0); skip the ops.
  const bool zero = std::all_of(k.begin(), k.end(), [](float c) { return c == 0.0f; });
  const bool brown_family = in.model == Distortion::modified_brown_conrady ||
                            in.model == Distortion::inverse_brown_conrady || in.model == Distortion::brown_conrady;
  if (in.model == Distortion::none || (brown_family && zero)) {
    return {x * f32(in.fx) + f32(in.ppx), y * f32(in.fy) + f32(in.ppy)};
  }
  const auto r2 = x * x + y * y;
  const auto f = f32(1) + f32(k[0]) * r2 + f32(k[1]) * r2 * r2 + f32(k[4]) * r2 * r2 * r2;
  if (in.model == Distortion::modified_brown_conrady || in.model == Distortion::inverse_brown_conrady) {
    x = x * f;
    y = y * f;
    const auto dx = x + f32(2 * k[2]) * x * y + f32(k[3]) * (r2 + f32(2) * x * x);
    const auto dy = y + f32(2 * k[3]) * x * y + f32(k[2]) * (r2 + f32(2) * y * y);
    x = dx, y = dy;
  } else if (in.model == Distortion::brown_conrady) {
    const auto dx = x * f + f32(2 * k[2]) * x * y + f32(k[3]) * (r2 + f32(2) * x * x);
    const auto dy = y * f + f32(2 * k[3]) * x * y + f32(k[2]) * (r2 + f32(2) * y * y);
    x = dx, y = dy;
  } else if (in.model == Distortion::ftheta) {
    const auto r = mx::maximum(mx::sqrt(r2), f32(FLT_EPSILON));
    const float w = k[0];
    const auto rd = f32(1.0f / w) * mx::arctan(f32(2) * r * f32(std::tan(w / 2.0f)));
    x = x * mx::divide(rd, r);
    y = y * mx::divide(rd, r);
  } else if (in.model == Distortion::kannala_brandt4) {
    const auto r = mx::maximum(mx::sqrt(r2), f32(FLT_EPSILON));
    const auto theta = mx::arctan(r);
    const auto t2 = theta * theta;
    const auto series = f32(1) + t2 * (f32(k[0]) + t2 * (f32(k[1]) + t2 * (f32(k[2]) + t2 * f32(k[3]))));
    const auto s = mx::divide(theta * series, r);
    x = x * s;
    y = y * s;
  }
  return {x * f32(in.fx) + f32(in.ppx), y * f32(in.fy) + f32(in.ppy)};
}

}  // namespace robomlx::depth
