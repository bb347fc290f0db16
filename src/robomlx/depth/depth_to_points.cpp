// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch and the portable path of the point cloud, plus the public camera helpers.
#include "robomlx/depth/depth_to_points.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/core/error.h"
#include "robomlx/depth/camera_planes_internal.h"
#include "robomlx/depth/depth_to_points_twins.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.pointcloud";

using detail::PlanesXY;
using detail::PlanesXYZ;

mx::array f32(float v) { return mx::array(v, mx::float32); }

// Exclusive running maximum along axis 1 with `init` before the first column.
mx::array exclusive_cummax(const mx::array& a, const mx::array& init, mx::Stream s) {
  const int h = a.shape(0), w = a.shape(1);
  auto shifted = mx::concatenate({mx::broadcast_to(init, {h, 1}, s), mx::slice(a, {0, 0}, {h, w - 1}, s)}, 1, s);
  return mx::cummax(shifted, 1, false, true, s);
}

// librealsense's monotonic occlusion scan (occlusion-filter.cpp, horizontal): along each row, a
// valid vertex whose texture-pixel x falls below the running maximum (start -1), or equals it
// while lying more than 0.1 m behind the z of the last kept vertex, is dropped; so is the next
// kept vertex after a dropped one (dilation 1). Returns the [H, W] mask of vertices to zero.
mx::array occlusion_mask(const mx::array& raw, const mx::array& z, const mx::array& px, float units, mx::Stream s) {
  const int w = z.shape(1);
  const auto i32 = [](int v) { return mx::array(v, mx::int32); };
  const auto valid = mx::not_equal(raw, mx::array(0, mx::uint16), s);
  const auto max_before = exclusive_cummax(mx::where(valid, px, f32(-INFINITY), s), f32(-1), s);
  const auto strict = mx::logical_and(valid, mx::less(px, max_before, s), s);
  // "The last such pixel's value" without a gather: the column in the high bits of an int32 key
  // makes a running max pick the latest pixel, whose payload sits in the low bits.
  const auto col = mx::reshape(mx::arange(w, mx::int32, s), {1, w}, s);
  const auto none = i32(-1);
  // Raw z of the last kept vertex before each pixel ("kept" taken as "not strictly occluded":
  // equal-x ties between kept vertices are rare enough not to chain).
  const auto kept = mx::logical_and(valid, mx::logical_not(strict, s), s);
  const auto zkey = exclusive_cummax(
      mx::where(kept, mx::add(mx::left_shift(col, i32(16), s), mx::astype(raw, mx::int32, s), s), none, s), none, s);
  const auto last_raw = mx::where(mx::equal(zkey, none, s), i32(0), mx::bitwise_and(zkey, i32(0xFFFF), s), s);
  const auto max_z = mx::multiply(mx::astype(last_raw, mx::float32, s), f32(units), s);  // as the vertex z
  const auto tie = mx::logical_and(mx::logical_and(valid, mx::equal(px, max_before, s), s),
                                   mx::greater(mx::subtract(z, max_z, s), f32(0.1f), s), s);
  const auto occluded = mx::logical_or(strict, tie, s);
  // Occlusion flag of the previous valid vertex in the row (dilation by one).
  const auto okey = exclusive_cummax(
      mx::where(valid, mx::add(mx::left_shift(col, i32(1), s), mx::astype(occluded, mx::int32, s), s), none, s), none, s);
  const auto prev_occluded = mx::logical_and(mx::not_equal(okey, none, s),
                                             mx::equal(mx::bitwise_and(okey, i32(1), s), i32(1), s), s);
  return mx::logical_and(valid, mx::logical_or(occluded, prev_occluded, s), s);
}

// Channel i of the last axis, squeezed.
mx::array component(const mx::array& p, int i, mx::Stream s) {
  const int last = p.ndim() - 1;
  mx::Shape lo(p.ndim(), 0), hi = p.shape();
  lo[last] = i;
  hi[last] = i + 1;
  return mx::squeeze(mx::slice(p, lo, hi, s), last, s);
}

bool same_geometry(const Intrinsics& a, const Intrinsics& b) {
  return a.width == b.width && a.height == b.height && a.fx == b.fx && a.fy == b.fy && a.ppx == b.ppx &&
         a.ppy == b.ppy && a.model == b.model && a.coeffs == b.coeffs;
}

// Projection is a plain pinhole: what the CPU twin implements.
bool pinhole(const Intrinsics& in) {
  const bool zero = std::all_of(in.coeffs.begin(), in.coeffs.end(), [](float c) { return c == 0.0f; });
  return in.model == Distortion::none || (zero && (in.model == Distortion::brown_conrady ||
                                                   in.model == Distortion::modified_brown_conrady ||
                                                   in.model == Distortion::inverse_brown_conrady));
}

bool is_identity(const Extrinsics& e) {
  const Extrinsics id;
  return e.rotation == id.rotation && e.translation == id.translation;
}

}  // namespace

Pointcloud::Pointcloud() : table_("pointcloud") {
  table_.add("filter_magnitude", {1, 2, 1, 2, "Occlusion removal: 1 = off, 2 = on"});
}

void Pointcloud::map_to(const Intrinsics& texture, const Extrinsics& depth_to_texture) {
  texture.validate("pointcloud");
  texture_ = texture;
  extrinsics_ = depth_to_texture;
}

namespace detail {

std::vector<mx::array> depth_to_points_portable(const mx::array& depth, const mx::array& rays_x,
                                                const mx::array& rays_y, float units, const Intrinsics* texture,
                                                const Extrinsics& extrinsics, bool occlusion, mx::Stream s) {
  const int h = depth.shape(0), w = depth.shape(1);
  const auto z = mx::multiply(mx::astype(depth, mx::float32, s), f32(units), s);
  const PlanesXYZ p{mx::multiply(z, rays_x, s), mx::multiply(z, rays_y, s), z};
  if (!texture) return {mx::stack({p.x, p.y, p.z}, -1, s), mx::zeros({h, w, 2}, mx::float32, s)};
  const auto valid = mx::not_equal(depth, mx::array(0, mx::uint16), s);
  const auto px = project_planes(transform_planes(p, extrinsics, s), *texture, s);
  const auto u = mx::where(valid, px.x, f32(0), s), v = mx::where(valid, px.y, f32(0), s);
  auto texcoords = mx::stack(
      {mx::divide(u, f32(float(texture->width)), s), mx::divide(v, f32(float(texture->height)), s)}, -1, s);
  auto keep = valid;
  if (occlusion) keep = mx::logical_not(occlusion_mask(depth, z, u, units, s), s);
  const auto zero = f32(0);
  auto vertices =
      mx::stack({mx::where(keep, p.x, zero, s), mx::where(keep, p.y, zero, s), mx::where(keep, p.z, zero, s)}, -1, s);
  return {vertices, texcoords};
}

}  // namespace detail

namespace {
// rays_x's first row and rays_y's first column ([1, W], [H, 1]) when the planes are exactly those
// repeated (bit for bit), else nothing. One host pass over the planes (evaluates them).
std::optional<std::pair<mx::array, mx::array>> separable_rays(const mx::array& rx, const mx::array& ry) {
  mx::eval(rx, ry);
  if (!rx.flags().row_contiguous || !ry.flags().row_contiguous) return std::nullopt;
  const int h = rx.shape(0), w = rx.shape(1);
  const float *x = rx.data<float>(), *y = ry.data<float>();
  std::vector<float> column(h);
  for (int r = 0; r < h; ++r) {
    if (std::memcmp(x + std::size_t(r) * w, x, w * sizeof(float)) != 0) return std::nullopt;
    column[r] = y[std::size_t(r) * w];
    for (int c = 1; c < w; ++c)
      if (std::memcmp(&y[std::size_t(r) * w + c], &column[r], sizeof(float)) != 0) return std::nullopt;
  }
  return std::make_pair(mx::array(x, {1, w}, mx::float32), mx::array(column.data(), {h, 1}, mx::float32));
}
}  // namespace

PointcloudResult Pointcloud::calculate(const Frame& depth, mx::StreamOrDevice so) const {
  if (depth.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("input format must be z16, got ") + to_string(depth.format));
  }
  check_ndim(kTag, "depth", depth.data, 2);
  check_dtype(kTag, "depth", depth.data, {mx::uint16});
  depth.intrinsics.validate("pointcloud");
  const mx::Stream s = op_stream(so);
  const int h = depth.height(), w = depth.width();
  if (!rays_for_ || !same_geometry(*rays_for_, depth.intrinsics) || rays_x_.shape(0) != h || rays_x_.shape(1) != w) {
    auto rays = detail::deproject_ray_planes(depth.intrinsics, h, w, 0.0f, s);
    rays_x_ = rays.x, rays_y_ = rays.y;
    rays_for_ = depth.intrinsics;
    ray_axes_.reset();
    ray_axes_checked_ = false;
  }
  const bool occlusion = texture_ && table_.get("filter_magnitude") == 2 && !is_identity(extrinsics_);
  if (occlusion && extrinsics_.translation[0] < 0.001f && extrinsics_.translation[1] > 0.01f) {
    throw UnsupportedFeatureError(
        "[depth.pointcloud] occlusion removal for a vertical depth/texture baseline (L500 layout) is not "
        "implemented; set filter_magnitude to 1");
  }
  const bool twins = !texture_ || pinhole(*texture_);
  const Impl impl = choose_impl(kTag, s, ImplSet{.cpu = twins, .cuda = twins, .metal = twins && metal_twin_usable(kTag)});
  std::vector<mx::array> out;
  if (impl != Impl::portable) {
    detail::DepthToPointsParams cp;
    cp.units = depth.depth_units;
    cp.texture = texture_.has_value();
    cp.occlusion = occlusion;
    if (texture_) {
      cp.extrinsics = extrinsics_;
      cp.fx = texture_->fx, cp.fy = texture_->fy, cp.ppx = texture_->ppx, cp.ppy = texture_->ppy;
      cp.width = texture_->width, cp.height = texture_->height;
    }
    auto gpu = [&] { return detail::depth_to_points_gpu(depth.data, rays_x_, rays_y_, cp, s); };
    if (impl == Impl::cpu && !texture_) {
      if (!ray_axes_checked_) {
        ray_axes_ = separable_rays(rays_x_, rays_y_);
        ray_axes_checked_ = true;
      }
      cp.separable_rays = ray_axes_.has_value();
      out = cp.separable_rays ? detail::depth_to_points_cpu(depth.data, ray_axes_->first, ray_axes_->second, cp, s)
                              : detail::depth_to_points_cpu(depth.data, rays_x_, rays_y_, cp, s);
    } else if (impl == Impl::cpu) out = detail::depth_to_points_cpu(depth.data, rays_x_, rays_y_, cp, s);
    else if (impl == Impl::cuda) out = gpu();
    else if (auto m = try_metal_twin(kTag, gpu)) out = *m;
  }
  if (out.empty()) {
    out = detail::depth_to_points_portable(depth.data, rays_x_, rays_y_, depth.depth_units,
                                           texture_ ? &*texture_ : nullptr, extrinsics_, occlusion, s);
  }
  return {out[0], out[1]};
}

mx::array deproject_rays(const Intrinsics& in, int height, int width, float offset, mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  auto r = detail::deproject_ray_planes(in, height, width, offset, stream);
  return mx::stack({r.x, r.y}, -1, stream);
}

mx::array transform_points(const mx::array& p, const Extrinsics& e, mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  auto q = detail::transform_planes({component(p, 0, stream), component(p, 1, stream), component(p, 2, stream)}, e, stream);
  return mx::stack({q.x, q.y, q.z}, p.ndim() - 1, stream);
}

mx::array project_points(const mx::array& p, const Intrinsics& in, mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  auto q = detail::project_planes({component(p, 0, stream), component(p, 1, stream), component(p, 2, stream)}, in, stream);
  return mx::stack({q.x, q.y}, p.ndim() - 1, stream);
}

}  // namespace robomlx::depth
