// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/align.h"

#include <cmath>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/depth/pointcloud.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.align";

mx::array f32(float v) { return mx::array(v, mx::float32); }
mx::array i32(int v) { return mx::array(v, mx::int32); }

float fov_degrees(float pp, float f, int size) {
  return (std::atan2(pp + 0.5f, f) + std::atan2(float(size) - (pp + 0.5f), f)) * 57.2957795f;
}

// Target-pixel corners (x, y) as int32 [H, W, 2] of every depth pixel's corner at `offset`.
mx::array corner(const Frame& depth, const Intrinsics& to, const Extrinsics& e, float offset, AlignMode mode) {
  const int h = depth.height(), w = depth.width();
  const auto rays = deproject_rays(depth.intrinsics, h, w, offset);
  const auto z = mx::expand_dims(mx::multiply(mx::astype(depth.data, mx::float32), f32(depth.depth_units)), -1);
  const auto p = transform_points(mx::concatenate({mx::multiply(z, rays), z}, -1), e);
  Intrinsics target = to;
  if (mode == AlignMode::sse) {
    // The SIMD code models only modified Brown-Conrady (and maps inverse to it); the rest is undistorted.
    if (target.model == Distortion::inverse_brown_conrady) target.model = Distortion::modified_brown_conrady;
    if (target.model != Distortion::modified_brown_conrady) target.model = Distortion::none;
  }
  const auto px = project_points(p, target) + f32(0.5f);
  // sse: _mm_cvtps_epi32 rounds half to even; scalar: static_cast<int> truncates.
  const auto r = mode == AlignMode::sse ? mx::round(px) : mx::astype(px, mx::int32);
  return mx::astype(r, mx::int32);
}

mx::array channel(const mx::array& a, int i) {
  return mx::squeeze(mx::slice(a, {0, 0, i}, {a.shape(0), a.shape(1), i + 1}), -1);
}

}  // namespace

Frame Align::process(const Frame& depth, const Frame& other, const Extrinsics& e) const {
  if (depth.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("depth format must be z16, got ") + to_string(depth.format));
  }
  check_ndim(kTag, "depth", depth.data, 2);
  check_dtype(kTag, "depth", depth.data, {mx::uint16});
  depth.intrinsics.validate("align");
  other.intrinsics.validate("align");
  const Intrinsics& di = depth.intrinsics;
  const Intrinsics& oi = other.intrinsics;
  const int h = depth.height(), w = depth.width();
  const int ho = oi.height, wo = oi.width;
  const auto valid = mx::not_equal(depth.data, mx::array(0, mx::uint16));
  const auto tl = corner(depth, oi, e, -0.5f, mode_);

  if (to_ == AlignTo::color) {
    bool use_br = true;
    if (mode_ == AlignMode::sse) {
      const bool special = (di.width == 640 && di.height == 240 && oi.width == 320 && oi.height == 180) ||
                           (di.width == 640 && di.height == 480 && oi.width == 640 && oi.height == 360);
      use_br = float(di.width) / fov_degrees(di.ppx, di.fx, di.width) < float(oi.width) / fov_degrees(oi.ppx, oi.fx, oi.width) ||
               float(di.height) / fov_degrees(di.ppy, di.fy, di.height) < float(oi.height) / fov_degrees(oi.ppy, oi.fy, oi.height) ||
               special;
    }
    const auto br = use_br ? corner(depth, oi, e, 0.5f, mode_) : tl;
    const int k = use_br ? int(std::ceil(1.1f * std::max(oi.fx / di.fx, oi.fy / di.fy))) + 1 : 1;
    const auto x0 = channel(tl, 0), y0 = channel(tl, 1), x1 = channel(br, 0), y1 = channel(br, 1);
    auto keep = valid;
    if (mode_ == AlignMode::scalar) {
      keep = mx::logical_and(keep, mx::logical_and(mx::logical_and(mx::greater_equal(x0, i32(0)), mx::greater_equal(y0, i32(0))),
                                                   mx::logical_and(mx::less(x1, i32(wo)), mx::less(y1, i32(ho)))));
    }
    // Offsets (dy, dx) in [0, k)^2 as a trailing axis: [H, W, k*k] target pixels per depth pixel.
    const auto off = mx::arange(k * k, mx::int32);
    const auto dy = mx::reshape(mx::floor_divide(off, i32(k)), {1, 1, k * k});
    const auto dx = mx::reshape(mx::remainder(off, i32(k)), {1, 1, k * k});
    const auto tx = mx::expand_dims(x0, -1) + dx, ty = mx::expand_dims(y0, -1) + dy;
    auto in_box = mx::logical_and(mx::less_equal(tx, mx::expand_dims(x1, -1)), mx::less_equal(ty, mx::expand_dims(y1, -1)));
    in_box = mx::logical_and(in_box, mx::logical_and(mx::logical_and(mx::greater_equal(tx, i32(0)), mx::greater_equal(ty, i32(0))),
                                                     mx::logical_and(mx::less(tx, i32(wo)), mx::less(ty, i32(ho)))));
    in_box = mx::logical_and(in_box, mx::expand_dims(keep, -1));
    const int dump = ho * wo;  // masked writes land in one spare slot
    const auto idx = mx::reshape(mx::where(in_box, ty * i32(wo) + tx, i32(dump)), {-1});
    const auto z = mx::broadcast_to(mx::expand_dims(mx::astype(depth.data, mx::int32), -1), in_box.shape());
    const auto none = 65536;
    auto buf = mx::full({dump + 1}, i32(none));
    buf = mx::scatter_min(buf, idx, mx::reshape(z, {-1, 1}), 0);
    auto out = mx::slice(buf, {0}, {dump});
    out = mx::where(mx::equal(out, i32(none)), i32(0), out);
    Frame f = depth;
    f.data = mx::reshape(mx::astype(out, mx::uint16), {ho, wo});
    f.intrinsics = oi;
    return f;
  }

  // Other -> depth: one source pixel per depth pixel.
  const bool packed = other.data.ndim() == 3;
  if (other.data.dtype() != mx::uint8 || (other.data.ndim() != 2 && !packed) || other.data.shape(0) != ho ||
      other.data.shape(1) != wo) {
    fail_argument(kTag, "other image must be uint8 [" + std::to_string(ho) + ", " + std::to_string(wo) +
                            "(, C)] matching its intrinsics, got " + shape_string(other.data.shape()) + " " +
                            dtype_name(other.data.dtype()));
  }
  mx::array src_xy = tl;
  auto keep = valid;
  if (mode_ == AlignMode::sse) {
    if (ho < h && wo < w) src_xy = corner(depth, oi, e, 0.5f, mode_);
  } else {
    const auto br = corner(depth, oi, e, 0.5f, mode_);
    const auto x0 = channel(tl, 0), y0 = channel(tl, 1), x1 = channel(br, 0), y1 = channel(br, 1);
    keep = mx::logical_and(keep, mx::logical_and(mx::logical_and(mx::greater_equal(x0, i32(0)), mx::greater_equal(y0, i32(0))),
                                                 mx::logical_and(mx::less(x1, i32(wo)), mx::less(y1, i32(ho)))));
    keep = mx::logical_and(keep, mx::logical_and(mx::less_equal(x0, x1), mx::less_equal(y0, y1)));
    src_xy = br;
  }
  const auto sx = channel(src_xy, 0), sy = channel(src_xy, 1);
  keep = mx::logical_and(keep, mx::logical_and(mx::logical_and(mx::greater_equal(sx, i32(0)), mx::greater_equal(sy, i32(0))),
                                               mx::logical_and(mx::less(sx, i32(wo)), mx::less(sy, i32(ho)))));
  const auto idx = mx::reshape(mx::where(keep, sy * i32(wo) + sx, i32(0)), {-1});
  const int c = packed ? other.data.shape(2) : 1;
  auto flat = mx::reshape(other.data, {ho * wo, c});
  auto out = mx::take(flat, idx, 0);
  out = mx::where(mx::reshape(keep, {-1, 1}), out, mx::array(0, mx::uint8));
  Frame f = other;
  f.data = packed ? mx::reshape(out, {h, w, c}) : mx::reshape(out, {h, w});
  f.intrinsics = di;
  return f;
}

}  // namespace robomlx::depth
