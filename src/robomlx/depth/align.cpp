// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch and the portable path of align.
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

using detail::PlanesXY;
using detail::PlanesXYZ;
using detail::StreamMath;

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
PlanesXY project_sse_modified(const PlanesXYZ& p, const Intrinsics& in, mx::Stream s) {
  const StreamMath m{s};
  const auto& c = in.coeffs;
  const auto x = m.div(p.x, p.z), y = m.div(p.y, p.z);
  const auto r2 = m.add(m.mul(x, x), m.mul(y, y));
  const auto r3 = m.add(m.mul(f32(c[1]), m.mul(r2, r2)), m.mul(f32(c[4]), m.mul(r2, m.mul(r2, r2))));
  const auto f = m.add(f32(1), m.add(m.mul(f32(c[0]), r2), r3));
  const auto xf = m.mul(x, f), yf = m.mul(y, f);
  const auto r4 = m.mul(f32(c[3]), m.add(r2, m.mul(f32(2), m.mul(xf, xf))));
  const auto dx = m.add(xf, m.add(m.mul(f32(2), m.mul(f32(c[2]), m.mul(xf, yf))), r4));
  const auto dy = m.add(yf, m.add(m.mul(f32(2), m.mul(f32(c[3]), m.mul(xf, yf))), r4));
  return {m.add(m.mul(dx, f32(in.fx)), f32(in.ppx)), m.add(m.mul(dy, f32(in.fy)), f32(in.ppy))};
}

// Whether the SSE path models the target's distortion: modified Brown-Conrady always, inverse
// Brown-Conrady only for other->depth (align_other_to_depth maps it; align_depth_to_other does not).
bool sse_models(const Intrinsics& to, bool to_other) {
  return to.model == Distortion::modified_brown_conrady ||
         (to.model == Distortion::inverse_brown_conrady && !to_other);
}

Corner corner(const Frame& depth, const PlanesXY& rays, const Intrinsics& to, const Extrinsics& e, AlignMode mode,
              bool to_other, mx::Stream s) {
  const auto z = mx::multiply(mx::astype(depth.data, mx::float32, s), f32(depth.depth_units), s);
  const auto q = detail::transform_planes({mx::multiply(z, rays.x, s), mx::multiply(z, rays.y, s), z}, e, s);
  PlanesXY px;
  if (mode == AlignMode::sse) {
    Intrinsics pinhole = to;
    pinhole.model = Distortion::none;
    px = sse_models(to, to_other) ? project_sse_modified(q, to, s) : detail::project_planes(q, pinhole, s);
  } else {
    px = detail::project_planes(q, to, s);
  }
  // sse: _mm_cvtps_epi32 rounds half to even; scalar: static_cast<int> truncates.
  auto to_int = [&](const mx::array& p) {
    const auto q = mx::add(p, f32(0.5f), s);
    return mx::astype(mode == AlignMode::sse ? mx::round(q, 0, s) : q, mx::int32, s);
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

// Pixels whose corners (x0, y0)..(x1, y1) lie inside the wo x ho target.
mx::array box_inside(const Corner& tl, const Corner& br, int wo, int ho, mx::Stream s) {
  return mx::logical_and(mx::logical_and(mx::greater_equal(tl.x, i32(0), s), mx::greater_equal(tl.y, i32(0), s), s),
                         mx::logical_and(mx::less(br.x, i32(wo), s), mx::less(br.y, i32(ho), s), s), s);
}

// Depth -> other: a z-buffer over the K x K boxes (nearest depth wins), as [Ho, Wo] uint16.
mx::array depth_to_other(const Frame& depth, const Intrinsics& oi, const Corner& tl, const Corner& br, AlignMode mode,
                         bool use_br, mx::Stream s) {
  const Intrinsics& di = depth.intrinsics;
  const int ho = oi.height, wo = oi.width;
  const auto &x0 = tl.x, &y0 = tl.y, &x1 = br.x, &y1 = br.y;
  const int k = use_br ? int(std::ceil(1.1f * std::max(oi.fx / di.fx, oi.fy / di.fy))) + 1 : 1;
  auto keep = mx::not_equal(depth.data, mx::array(0, mx::uint16), s);
  if (mode == AlignMode::scalar) keep = mx::logical_and(keep, box_inside(tl, br, wo, ho, s), s);
  // Offsets (dy, dx) in [0, k)^2 as a trailing axis: [H, W, k*k] target pixels per depth pixel.
  const auto off = mx::arange(k * k, mx::int32, s);
  const auto dy = mx::reshape(mx::floor_divide(off, i32(k), s), {1, 1, k * k}, s);
  const auto dx = mx::reshape(mx::remainder(off, i32(k), s), {1, 1, k * k}, s);
  const auto tx = mx::add(mx::expand_dims(x0, -1, s), dx, s), ty = mx::add(mx::expand_dims(y0, -1, s), dy, s);
  auto in_box = mx::logical_and(mx::less_equal(tx, mx::expand_dims(x1, -1, s), s),
                                mx::less_equal(ty, mx::expand_dims(y1, -1, s), s), s);
  in_box = mx::logical_and(
      in_box, mx::logical_and(mx::logical_and(mx::greater_equal(tx, i32(0), s), mx::greater_equal(ty, i32(0), s), s),
                              mx::logical_and(mx::less(tx, i32(wo), s), mx::less(ty, i32(ho), s), s), s), s);
  in_box = mx::logical_and(in_box, mx::expand_dims(keep, -1, s), s);
  const int dump = ho * wo;  // masked writes land in one spare slot
  const auto idx = mx::reshape(mx::where(in_box, mx::add(mx::multiply(ty, i32(wo), s), tx, s), i32(dump), s), {-1}, s);
  const auto z = mx::broadcast_to(mx::expand_dims(mx::astype(depth.data, mx::int32, s), -1, s), in_box.shape(), s);
  const auto none = 65536;
  auto buf = mx::full({dump + 1}, i32(none), s);
  buf = mx::scatter_min(buf, idx, mx::reshape(z, {-1, 1}, s), 0, s);
  auto out = mx::slice(buf, {0}, {dump}, s);
  out = mx::where(mx::equal(out, i32(none), s), i32(0), out, s);
  return mx::reshape(mx::astype(out, mx::uint16, s), {ho, wo}, s);
}

}  // namespace

namespace detail {

mx::array align_portable(const Frame& depth, const Frame& other, const Extrinsics& e, AlignTo to, AlignMode mode,
                         bool use_br, const PlanesXY& tl_rays, const PlanesXY& br_rays, mx::Stream s) {
  const Intrinsics& oi = other.intrinsics;
  const int h = depth.height(), w = depth.width(), ho = oi.height, wo = oi.width;
  const bool to_other = to == AlignTo::color;
  const auto tl = corner(depth, tl_rays, oi, e, mode, to_other, s);
  if (to_other) {
    const auto br = use_br ? corner(depth, br_rays, oi, e, mode, to_other, s) : tl;
    return depth_to_other(depth, oi, tl, br, mode, use_br, s);
  }
  // Other -> depth: one source pixel per depth pixel.
  const bool packed = other.data.ndim() == 3;
  Corner src_xy = tl;
  auto keep = mx::not_equal(depth.data, mx::array(0, mx::uint16), s);
  if (mode == AlignMode::sse) {
    if (ho < h && wo < w) src_xy = corner(depth, br_rays, oi, e, mode, to_other, s);
  } else {
    const auto br = corner(depth, br_rays, oi, e, mode, to_other, s);
    keep = mx::logical_and(keep, box_inside(tl, br, wo, ho, s), s);
    keep = mx::logical_and(keep, mx::logical_and(mx::less_equal(tl.x, br.x, s), mx::less_equal(tl.y, br.y, s), s), s);
    src_xy = br;
  }
  const auto &sx = src_xy.x, &sy = src_xy.y;
  keep = mx::logical_and(keep, mx::logical_and(mx::logical_and(mx::greater_equal(sx, i32(0), s), mx::greater_equal(sy, i32(0), s), s),
                                               mx::logical_and(mx::less(sx, i32(wo), s), mx::less(sy, i32(ho), s), s), s), s);
  const auto idx = mx::reshape(mx::where(keep, mx::add(mx::multiply(sy, i32(wo), s), sx, s), i32(0), s), {-1}, s);
  const int c = packed ? other.data.shape(2) : 1;
  auto flat = mx::reshape(other.data, {ho * wo, c}, s);
  auto out = mx::take(flat, idx, 0, s);
  out = mx::where(mx::reshape(keep, {-1, 1}, s), out, mx::array(0, mx::uint8), s);
  return packed ? mx::reshape(out, {h, w, c}, s) : mx::reshape(out, {h, w}, s);
}

}  // namespace detail

const Align::Rays& Align::rays(const Intrinsics& d, float offset, mx::Stream s) const {
  auto it = rays_.find(offset);
  const bool same = it != rays_.end() && it->second.geometry.width == d.width && it->second.geometry.height == d.height &&
                    it->second.geometry.fx == d.fx && it->second.geometry.fy == d.fy && it->second.geometry.ppx == d.ppx &&
                    it->second.geometry.ppy == d.ppy && it->second.geometry.model == d.model &&
                    it->second.geometry.coeffs == d.coeffs;
  if (!same) {
    auto r = detail::deproject_ray_planes(d, d.height, d.width, offset, s);
    rays_[offset] = Rays{d, r.x, r.y};
  }
  return rays_.at(offset);
}

Frame Align::process(const Frame& depth, const Frame& other, const Extrinsics& e, mx::StreamOrDevice so) const {
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
  if (to_ == AlignTo::depth) check_other(other, ho, wo);
  const mx::Stream s = op_stream(so);
  const bool use_br = to_ == AlignTo::depth || mode_ == AlignMode::scalar || splat_box(di, oi);
  const auto& tl = rays(di, -0.5f, s);
  const auto& br = rays(di, 0.5f, s);
  Frame f = to_ == AlignTo::color ? depth : other;
  f.intrinsics = to_ == AlignTo::color ? oi : di;
  if (choose_impl(kTag, s, ImplSet{.cpu = twin_supports(oi, mode_, to_ == AlignTo::color)}) == Impl::cpu) {
    detail::AlignCpuParams p;
    p.to_other = to_ == AlignTo::color;
    p.sse = mode_ == AlignMode::sse;
    p.use_br = use_br;
    p.source_br = ho < h && wo < w;
    p.units = depth.depth_units;
    p.extrinsics = e;
    p.fx = oi.fx, p.fy = oi.fy, p.ppx = oi.ppx, p.ppy = oi.ppy, p.width = wo, p.height = ho;
    const auto src = to_ == AlignTo::color ? mx::zeros({1}, mx::uint8, s) : other.data;
    f.data = detail::align_cpu(depth.data, tl.x, tl.y, br.x, br.y, src, p, s);
    return f;
  }
  f.data = detail::align_portable(depth, other, e, to_, mode_, use_br, {tl.x, tl.y}, {br.x, br.y}, s);
  return f;
}

}  // namespace robomlx::depth
