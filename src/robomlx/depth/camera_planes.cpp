// SPDX-License-Identifier: Apache-2.0
// Camera models of librealsense src/rs.cpp (rs2_deproject_pixel_to_point, rs2_project_point_to_pixel,
// rs2_transform_point_to_point) as whole-image MLX ops on one stream. Operation order follows the C
// code so CPU results agree to the last bit where the SSE paths use the same order.
#include "robomlx/depth/camera_planes_internal.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace robomlx::depth::detail {

namespace {

mx::array f32(float v) { return mx::array(v, mx::float32); }

bool coeffs_zero(const Intrinsics& in) {
  for (float c : in.coeffs) {
    if (std::fabs(c) >= FLT_EPSILON) return false;
  }
  return true;
}

}  // namespace

PlanesXY deproject_ray_planes(const Intrinsics& in, int height, int width, float offset, mx::Stream s) {
  const StreamMath m{s};
  const auto& k = in.coeffs;
  // (float)x + offset, as librealsense forms the pixel coordinate.
  const auto u = m.add(mx::reshape(mx::arange(0, width, 1, mx::float32, s), {1, width}, s), f32(offset));
  const auto v = m.add(mx::reshape(mx::arange(0, height, 1, mx::float32, s), {height, 1}, s), f32(offset));
  // Materialised (contiguous) planes: ops mixing broadcast views fall off MLX's fast CPU path.
  auto x = mx::contiguous(mx::broadcast_to(m.div(m.sub(u, f32(in.ppx)), f32(in.fx)), {height, width}, s), false, s);
  auto y = mx::contiguous(mx::broadcast_to(m.div(m.sub(v, f32(in.ppy)), f32(in.fy)), {height, width}, s), false, s);
  const auto xo = x, yo = y;
  const bool brown = in.model == Distortion::brown_conrady, inverse = in.model == Distortion::inverse_brown_conrady;
  if ((brown || inverse) && !coeffs_zero(in)) {
    // 10 fixed iterations (librealsense's empirical count); the inverse model evaluates the
    // tangential terms at the radially scaled point.
    for (int i = 0; i < 10; ++i) {
      const auto r2 = m.add(m.mul(x, x), m.mul(y, y));
      const auto icd =
          m.div(f32(1), m.add(f32(1), m.mul(m.add(m.mul(m.add(m.mul(f32(k[4]), r2), f32(k[1])), r2), f32(k[0])), r2)));
      const auto xq = inverse ? m.div(x, icd) : x;
      const auto yq = inverse ? m.div(y, icd) : y;
      const auto dx = m.add(m.mul(m.mul(f32(2 * k[2]), xq), yq), m.mul(f32(k[3]), m.add(r2, m.mul(m.mul(f32(2), xq), xq))));
      const auto dy = m.add(m.mul(m.mul(f32(2 * k[3]), xq), yq), m.mul(f32(k[2]), m.add(r2, m.mul(m.mul(f32(2), yq), yq))));
      x = m.mul(m.sub(xo, dx), icd);
      y = m.mul(m.sub(yo, dy), icd);
    }
  }
  if (in.model == Distortion::kannala_brandt4) {
    const auto rd = mx::maximum(mx::sqrt(m.add(m.mul(x, x), m.mul(y, y)), s), f32(FLT_EPSILON), s);
    auto theta = rd, theta2 = m.mul(rd, rd);
    auto done = mx::zeros(rd.shape(), mx::bool_, s);
    for (int i = 0; i < 4; ++i) {
      // Newton on theta * (1 + k1 t^2 + ...) = rd; a pixel stops when |f| < eps, as the C loop breaks.
      const auto poly =
          m.add(f32(1), m.mul(theta2, m.add(f32(k[0]), m.mul(theta2, m.add(f32(k[1]), m.mul(theta2, m.add(f32(k[2]), m.mul(theta2, f32(k[3])))))))));
      const auto f = m.sub(m.mul(theta, poly), rd);
      done = mx::logical_or(done, mx::less(mx::abs(f, s), f32(FLT_EPSILON), s), s);
      const auto df = m.add(
          f32(1), m.mul(theta2, m.add(f32(3 * k[0]),
                                      m.mul(theta2, m.add(f32(5 * k[1]),
                                                          m.mul(theta2, m.add(f32(7 * k[2]), m.mul(m.mul(f32(9), theta2), f32(k[3])))))))));
      theta = mx::where(done, theta, m.sub(theta, m.div(f, df)), s);
      theta2 = m.mul(theta, theta);
    }
    const auto scale = m.div(mx::tan(theta, s), rd);
    x = m.mul(x, scale);
    y = m.mul(y, scale);
  }
  if (in.model == Distortion::ftheta) {
    const auto rd = mx::maximum(mx::sqrt(m.add(m.mul(x, x), m.mul(y, y)), s), f32(FLT_EPSILON), s);
    const float w = k[0];
    const auto r = std::fabs(w) < FLT_EPSILON ? mx::zeros(rd.shape(), mx::float32, s)
                                              : m.div(mx::tan(m.mul(f32(w), rd), s), f32(float(std::atan(2 * std::tan(w / 2.0f)))));
    const auto scale = m.div(r, rd);
    x = m.mul(x, scale);
    y = m.mul(y, scale);
  }
  return {x, y};
}

PlanesXYZ transform_planes(const PlanesXYZ& p, const Extrinsics& e, mx::Stream s) {
  const StreamMath m{s};
  const auto& r = e.rotation;
  const auto& t = e.translation;
  auto row = [&](int i) {
    return m.add(m.mul(f32(r[i]), p.x), m.add(m.mul(f32(r[i + 3]), p.y), m.add(m.mul(f32(r[i + 6]), p.z), f32(t[i]))));
  };
  return {row(0), row(1), row(2)};
}

PlanesXY project_planes(const PlanesXYZ& p, const Intrinsics& in, mx::Stream s) {
  const StreamMath m{s};
  auto x = m.div(p.x, p.z);
  auto y = m.div(p.y, p.z);
  const auto& k = in.coeffs;
  auto to_pixels = [&] {
    return PlanesXY{m.add(m.mul(x, f32(in.fx)), f32(in.ppx)), m.add(m.mul(y, f32(in.fy)), f32(in.ppy))};
  };
  // All-zero coefficients leave Brown-Conrady points unchanged bit for bit (x * 1 + 0); skip the ops.
  const bool zero = std::all_of(k.begin(), k.end(), [](float c) { return c == 0.0f; });
  const bool brown_family = in.model == Distortion::modified_brown_conrady ||
                            in.model == Distortion::inverse_brown_conrady || in.model == Distortion::brown_conrady;
  if (in.model == Distortion::none || (brown_family && zero)) return to_pixels();
  const auto r2 = m.add(m.mul(x, x), m.mul(y, y));
  // 1 + k1 r2 + k2 r2^2 + k3 r2^3, left to right as the C expression.
  const auto f = m.add(m.add(m.add(f32(1), m.mul(f32(k[0]), r2)), m.mul(m.mul(f32(k[1]), r2), r2)),
                       m.mul(m.mul(m.mul(f32(k[4]), r2), r2), r2));
  // 2 p x y + q (r2 + 2 c c), the tangential term of both Brown-Conrady forms.
  auto tangential = [&](const mx::array& a, const mx::array& b, float p2, float q, const mx::array& c) {
    return std::pair{m.mul(m.mul(f32(p2), a), b), m.mul(f32(q), m.add(r2, m.mul(m.mul(f32(2), c), c)))};
  };
  if (in.model == Distortion::modified_brown_conrady || in.model == Distortion::inverse_brown_conrady) {
    x = m.mul(x, f);
    y = m.mul(y, f);
    const auto [ax, bx] = tangential(x, y, 2 * k[2], k[3], x);
    const auto [ay, by] = tangential(x, y, 2 * k[3], k[2], y);
    const auto dx = m.add(m.add(x, ax), bx);
    const auto dy = m.add(m.add(y, ay), by);
    x = dx, y = dy;
  } else if (in.model == Distortion::brown_conrady) {
    const auto [ax, bx] = tangential(x, y, 2 * k[2], k[3], x);
    const auto [ay, by] = tangential(x, y, 2 * k[3], k[2], y);
    const auto dx = m.add(m.add(m.mul(x, f), ax), bx);
    const auto dy = m.add(m.add(m.mul(y, f), ay), by);
    x = dx, y = dy;
  } else if (in.model == Distortion::ftheta) {
    const auto r = mx::maximum(mx::sqrt(r2, s), f32(FLT_EPSILON), s);
    const float w = k[0];
    const auto rd = m.mul(f32(1.0f / w), mx::arctan(m.mul(m.mul(f32(2), r), f32(std::tan(w / 2.0f))), s));
    x = m.mul(x, m.div(rd, r));
    y = m.mul(y, m.div(rd, r));
  } else if (in.model == Distortion::kannala_brandt4) {
    const auto r = mx::maximum(mx::sqrt(r2, s), f32(FLT_EPSILON), s);
    const auto theta = mx::arctan(r, s);
    const auto t2 = m.mul(theta, theta);
    const auto series = m.add(f32(1), m.mul(t2, m.add(f32(k[0]), m.mul(t2, m.add(f32(k[1]), m.mul(t2, m.add(f32(k[2]), m.mul(t2, f32(k[3])))))))));
    const auto scale = m.div(m.mul(theta, series), r);
    x = m.mul(x, scale);
    y = m.mul(y, scale);
  }
  return to_pixels();
}

}  // namespace robomlx::depth::detail
