// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/depth_to_points.h"

#include "robomlx/depth/camera_planes_internal.h"
#include "robomlx/depth/pointcloud_cpu.h"
#include "robomlx/depth/pointcloud_cuda.h"

#include <algorithm>
#include <cmath>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/error.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.pointcloud";

mx::array f32(float v) { return mx::array(v, mx::float32); }

// Exclusive running maximum along axis 1 with `init` before the first column.
mx::array exclusive_cummax(const mx::array& a, const mx::array& init) {
  const int h = a.shape(0), w = a.shape(1);
  auto shifted = mx::concatenate({mx::broadcast_to(init, {h, 1}), mx::slice(a, {0, 0}, {h, w - 1})}, 1);
  return mx::cummax(shifted, 1);
}

// librealsense's monotonic occlusion scan (occlusion-filter.cpp, horizontal): along each row, a
// valid vertex whose texture-pixel x falls below the running maximum (start -1), or equals it
// while lying more than 0.1 m behind the z of the last kept vertex, is dropped; so is the next
// kept vertex after a dropped one (dilation 1). Returns the [H, W] mask of vertices to zero.
mx::array occlusion_mask(const mx::array& raw, const mx::array& z, const mx::array& px, float units) {
  const int w = z.shape(1);
  const auto valid = mx::not_equal(raw, mx::array(0, mx::uint16));
  const auto max_before = exclusive_cummax(mx::where(valid, px, f32(-INFINITY)), f32(-1));
  const auto strict = mx::logical_and(valid, mx::less(px, max_before));
  // "The last such pixel's value" without a gather: the column in the high bits of an int32 key
  // makes a running max pick the latest pixel, whose payload sits in the low bits.
  const auto col = mx::reshape(mx::arange(w, mx::int32), {1, w});
  const auto none = mx::array(-1, mx::int32);
  // Raw z of the last kept vertex before each pixel ("kept" taken as "not strictly occluded":
  // equal-x ties between kept vertices are rare enough not to chain).
  const auto kept = mx::logical_and(valid, mx::logical_not(strict));
  const auto zkey = exclusive_cummax(
      mx::where(kept, mx::left_shift(col, mx::array(16, mx::int32)) + mx::astype(raw, mx::int32), none), none);
  const auto last_raw = mx::where(mx::equal(zkey, none), mx::array(0, mx::int32), mx::bitwise_and(zkey, mx::array(0xFFFF, mx::int32)));
  const auto max_z = mx::multiply(mx::astype(last_raw, mx::float32), f32(units));  // as the vertex z
  const auto tie = mx::logical_and(mx::logical_and(valid, mx::equal(px, max_before)), mx::greater(z - max_z, f32(0.1f)));
  const auto occluded = mx::logical_or(strict, tie);
  // Occlusion flag of the previous valid vertex in the row (dilation by one).
  const auto okey = exclusive_cummax(
      mx::where(valid, mx::left_shift(col, mx::array(1, mx::int32)) + mx::astype(occluded, mx::int32), none), none);
  const auto prev_occluded = mx::logical_and(mx::not_equal(okey, none), mx::equal(mx::bitwise_and(okey, mx::array(1, mx::int32)), mx::array(1, mx::int32)));
  return mx::logical_and(valid, mx::logical_or(occluded, prev_occluded));
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

PointcloudResult Pointcloud::calculate(const Frame& depth) const {
  if (depth.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("input format must be z16, got ") + to_string(depth.format));
  }
  check_ndim(kTag, "depth", depth.data, 2);
  check_dtype(kTag, "depth", depth.data, {mx::uint16});
  depth.intrinsics.validate("pointcloud");
  const int h = depth.height(), w = depth.width();
  if (!rays_for_ || !same_geometry(*rays_for_, depth.intrinsics) || rays_x_.shape(0) != h || rays_x_.shape(1) != w) {
    auto rays = deproject_ray_planes(depth.intrinsics, h, w, 0.0f);
    rays_x_ = rays.x, rays_y_ = rays.y;
    rays_for_ = depth.intrinsics;
  }
  const bool occlusion = texture_ && table_.get("filter_magnitude") == 2 && !is_identity(extrinsics_);
  if (occlusion && extrinsics_.translation[0] < 0.001f && extrinsics_.translation[1] > 0.01f) {
    throw UnsupportedFeatureError(
        "[depth.pointcloud] occlusion removal for a vertical depth/texture baseline (L500 layout) is not "
        "implemented; set filter_magnitude to 1");
  }
  ImplSet twins;
  twins.cpu = twins.cuda = !texture_ || pinhole(*texture_);
  const Impl impl = choose_impl(kTag, mx::default_device(), twins);
  if (impl == Impl::cpu || impl == Impl::cuda) {
    PointcloudCpuParams cp;
    cp.units = depth.depth_units;
    cp.texture = texture_.has_value();
    cp.occlusion = occlusion;
    if (texture_) {
      cp.extrinsics = extrinsics_;
      cp.fx = texture_->fx, cp.fy = texture_->fy, cp.ppx = texture_->ppx, cp.ppy = texture_->ppy;
      cp.width = texture_->width, cp.height = texture_->height;
    }
    auto out = impl == Impl::cpu ? pointcloud_cpu(depth.data, rays_x_, rays_y_, cp)
                                 : pointcloud_cuda(depth.data, rays_x_, rays_y_, cp);
    return {out[0], out[1]};
  }
  const auto z = mx::multiply(mx::astype(depth.data, mx::float32), f32(depth.depth_units));
  const PlanesXYZ p{mx::multiply(z, rays_x_), mx::multiply(z, rays_y_), z};
  PointcloudResult r;
  if (!texture_) {
    r.vertices = mx::stack({p.x, p.y, p.z}, -1);
    r.texcoords = mx::zeros({h, w, 2}, mx::float32);
    return r;
  }
  const auto valid = mx::not_equal(depth.data, mx::array(0, mx::uint16));
  const auto px = project_planes(transform_planes(p, extrinsics_), *texture_);
  const auto u = mx::where(valid, px.x, f32(0)), v = mx::where(valid, px.y, f32(0));
  r.texcoords = mx::stack({mx::divide(u, f32(float(texture_->width))), mx::divide(v, f32(float(texture_->height)))}, -1);
  auto keep = valid;
  if (occlusion) keep = mx::logical_not(occlusion_mask(depth.data, z, u, depth.depth_units));
  const auto zero = f32(0);
  r.vertices = mx::stack({mx::where(keep, p.x, zero), mx::where(keep, p.y, zero), mx::where(keep, p.z, zero)}, -1);
  return r;
}

}  // namespace robomlx::depth
