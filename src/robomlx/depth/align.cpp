// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/align.h"

#include <algorithm>
#include <cmath>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/align_twins.h"
#include "robomlx/depth/camera_planes_internal.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.align";

mx::array f32(float v) { return mx::array(v, mx::float32); }
mx::array i32(int v) { return mx::array(v, mx::int32); }

float fov_degrees(float pp, float f, int size) {
  return (std::atan2(pp + 0.5f, f) + std::atan2(float(size) - (pp + 0.5f), f)) * 57.2957795f;
}

struct Corner {
  mx::array x{0}, y{0};  // int32 [H, W] target pixel of each depth pixel's corner
};

// sse-align.cpp's modified Brown-Conrady step, operation order and all, including its y term that
// reuses the x tangential term c3 (r2 + 2 xf^2) (upstream bug, kept for compatibility).
PlanesXY project_sse_modified(const PlanesXYZ& p, const Intrinsics& in) {
  const auto& c = in.coeffs;
  const auto x = mx::divide(p.x, p.z), y = mx::divide(p.y, p.z);
  const auto r2 = x * x + y * y;
  const auto r3 = f32(c[1]) * (r2 * r2) + f32(c[4]) * (r2 * (r2 * r2));
  const auto f = f32(1) + (f32(c[0]) * r2 + r3);
  const auto xf = x * f, yf = y * f;
  const auto r4 = f32(c[3]) * (r2 + f32(2) * (xf * xf));
  const auto dx = xf + (f32(2) * (f32(c[2]) * (xf * yf)) + r4);
  const auto dy = yf + (f32(2) * (f32(c[3]) * (xf * yf)) + r4);
  return {dx * f32(in.fx) + f32(in.ppx), dy * f32(in.fy) + f32(in.ppy)};
}

// Whether the SSE path models the target's distortion: modified Brown-Conrady always, inverse
// Brown-Conrady only for other->depth (align_other_to_depth maps it; align_depth_to_other does not).
bool sse_models(const Intrinsics& to, bool to_other) {
  return to.model == Distortion::modified_brown_conrady ||
         (to.model == Distortion::inverse_brown_conrady && !to_other);
}

Corner corner(const Frame& depth, const PlanesXY& rays, const Intrinsics& to, const Extrinsics& e, AlignMode mode,
              bool to_other) {
  const auto z = mx::multiply(mx::astype(depth.data, mx::float32), f32(depth.depth_units));
  const auto q = transform_planes({mx::multiply(z, rays.x), mx::multiply(z, rays.y), z}, e);
  PlanesXY px;
  if (mode == AlignMode::sse) {
    Intrinsics pinhole = to;
    pinhole.model = Distortion::none;
    px = sse_models(to, to_other) ? project_sse_modified(q, to) : project_planes(q, pinhole);
  } else {
    px = project_planes(q, to);
  }
  // sse: _mm_cvtps_epi32 rounds half to even; scalar: static_cast<int> truncates.
  auto to_int = [&](const mx::array& p) {
    const auto q = p + f32(0.5f);
    return mx::astype(mode == AlignMode::sse ? mx::round(q) : q, mx::int32);
  };
  return {to_int(px.x), to_int(px.y)};
}

// SSE depth->other splats the box to the bottom-right corner only when depth has fewer pixels per
// degree than the target, or for two hard-coded resolution pairs (sse-align.cpp).
bool splat_box(const Intrinsics& di, const Intrinsics& oi) {
  const bool special = (di.width == 640 && di.height == 240 && oi.width == 320 && oi.height == 180) ||
                       (di.width == 640 && di.height == 480 && oi.width == 640 && oi.height == 360);
  return float(di.width) / fov_degrees(di.ppx, di.fx, di.width) < float(oi.width) / fov_degrees(oi.ppx, oi.fx, oi.width) ||
         float(di.height) / fov_degrees(di.ppy, di.fy, di.height) < float(oi.height) / fov_degrees(oi.ppy, oi.fy, oi.height) ||
         special;
}

void check_other(const Frame& other, int ho, int wo) {
  const bool packed = other.data.ndim() == 3;
  if (other.data.dtype() != mx::uint8 || (other.data.ndim() != 2 && !packed) || other.data.shape(0) != ho ||
      other.data.shape(1) != wo) {
    fail_argument(kTag, "other image must be uint8 [" + std::to_string(ho) + ", " + std::to_string(wo) +
                            "(, C)] matching its intrinsics, got " + shape_string(other.data.shape()) + " " +
                            dtype_name(other.data.dtype()));
  }
}

// The CPU twin projects with a plain pinhole: what `mode` does for these target intrinsics.
bool twin_supports(const Intrinsics& oi, AlignMode mode, bool to_other) {
  const bool zero = std::all_of(oi.coeffs.begin(), oi.coeffs.end(), [](float c) { return c == 0.0f; });
  const bool brown_family = oi.model == Distortion::modified_brown_conrady ||
                            oi.model == Distortion::inverse_brown_conrady || oi.model == Distortion::brown_conrady;
  if (mode == AlignMode::sse) return !sse_models(oi, to_other) || zero;
  return oi.model == Distortion::none || (brown_family && zero);
}

}  // namespace

const Align::Rays& Align::rays(const Intrinsics& d, float offset) const {
  auto it = rays_.find(offset);
  const bool same = it != rays_.end() && it->second.geometry.width == d.width && it->second.geometry.height == d.height &&
                    it->second.geometry.fx == d.fx && it->second.geometry.fy == d.fy && it->second.geometry.ppx == d.ppx &&
                    it->second.geometry.ppy == d.ppy && it->second.geometry.model == d.model &&
                    it->second.geometry.coeffs == d.coeffs;
  if (!same) {
    auto r = deproject_ray_planes(d, d.height, d.width, offset);
    rays_[offset] = Rays{d, r.x, r.y};
  }
  return rays_.at(offset);
}

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
  if (di.width != w || di.height != h) {
    fail_argument(kTag, "depth intrinsics are " + std::to_string(di.width) + "x" + std::to_string(di.height) +
                            " but the depth image is " + std::to_string(w) + "x" + std::to_string(h));
  }
  auto ray_planes = [&](float offset) {
    const auto& r = rays(di, offset);
    return PlanesXY{r.x, r.y};
  };
  if (to_ == AlignTo::depth) check_other(other, ho, wo);
  const bool use_br = to_ == AlignTo::depth || mode_ == AlignMode::scalar || splat_box(di, oi);
  ImplSet twins;
  twins.cpu = twin_supports(oi, mode_, to_ == AlignTo::color);
  if (choose_impl(kTag, mx::default_device(), twins) == Impl::cpu) {
    AlignCpuParams p;
    p.to_other = to_ == AlignTo::color;
    p.sse = mode_ == AlignMode::sse;
    p.use_br = use_br;
    p.source_br = ho < h && wo < w;
    p.units = depth.depth_units;
    p.extrinsics = e;
    p.fx = oi.fx, p.fy = oi.fy, p.ppx = oi.ppx, p.ppy = oi.ppy, p.width = wo, p.height = ho;
    const auto tl = ray_planes(-0.5f), br = ray_planes(0.5f);
    Frame f = to_ == AlignTo::color ? depth : other;
    f.intrinsics = to_ == AlignTo::color ? oi : di;
    const auto src = to_ == AlignTo::color ? mx::zeros({1}, mx::uint8) : other.data;
    f.data = align_cpu(depth.data, tl.x, tl.y, br.x, br.y, src, p);
    return f;
  }
  const auto valid = mx::not_equal(depth.data, mx::array(0, mx::uint16));
  const auto tl = corner(depth, ray_planes(-0.5f), oi, e, mode_, to_ == AlignTo::color);

  if (to_ == AlignTo::color) {
    const auto br = use_br ? corner(depth, ray_planes(0.5f), oi, e, mode_, to_ == AlignTo::color) : tl;
    const auto &x0 = tl.x, &y0 = tl.y, &x1 = br.x, &y1 = br.y;
    Frame f = depth;
    f.intrinsics = oi;
    const int k = use_br ? int(std::ceil(1.1f * std::max(oi.fx / di.fx, oi.fy / di.fy))) + 1 : 1;
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
    f.data = mx::reshape(mx::astype(out, mx::uint16), {ho, wo});
    return f;
  }

  // Other -> depth: one source pixel per depth pixel.
  const bool packed = other.data.ndim() == 3;
  Corner src_xy = tl;
  auto keep = valid;
  if (mode_ == AlignMode::sse) {
    if (ho < h && wo < w) src_xy = corner(depth, ray_planes(0.5f), oi, e, mode_, to_ == AlignTo::color);
  } else {
    const auto br = corner(depth, ray_planes(0.5f), oi, e, mode_, to_ == AlignTo::color);
    const auto &x0 = tl.x, &y0 = tl.y, &x1 = br.x, &y1 = br.y;
    keep = mx::logical_and(keep, mx::logical_and(mx::logical_and(mx::greater_equal(x0, i32(0)), mx::greater_equal(y0, i32(0))),
                                                 mx::logical_and(mx::less(x1, i32(wo)), mx::less(y1, i32(ho)))));
    keep = mx::logical_and(keep, mx::logical_and(mx::less_equal(x0, x1), mx::less_equal(y0, y1)));
    src_xy = br;
  }
  const auto &sx = src_xy.x, &sy = src_xy.y;
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
