// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/pointcloud.h"

#include <cmath>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
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
mx::array occlusion_mask(const mx::array& z, const mx::array& px) {
  const int h = z.shape(0), w = z.shape(1);
  const auto valid = mx::not_equal(z, f32(0));
  const auto neg_inf = f32(-INFINITY);
  const auto max_before = exclusive_cummax(mx::where(valid, px, neg_inf), f32(-1));
  const auto strict = mx::logical_and(valid, mx::less(px, max_before));
  const auto col = mx::broadcast_to(mx::reshape(mx::arange(w, mx::int32), {1, w}), {h, w});
  const auto none = mx::array(-1, mx::int32);
  // z of the last kept vertex before each pixel (ties between kept vertices are rare enough that
  // "kept" is taken as "not strictly occluded").
  const auto last_kept = exclusive_cummax(mx::where(mx::logical_and(valid, mx::logical_not(strict)), col, none), none);
  const auto max_z = mx::where(mx::greater_equal(last_kept, none + 1),
                               mx::take_along_axis(z, mx::maximum(last_kept, none + 1), 1), f32(0));
  const auto tie = mx::logical_and(mx::logical_and(valid, mx::equal(px, max_before)),
                                   mx::greater(z - max_z, f32(0.1f)));
  const auto occluded = mx::logical_or(strict, tie);
  const auto prev_valid = exclusive_cummax(mx::where(valid, col, none), none);
  const auto prev_occluded = mx::logical_and(mx::greater_equal(prev_valid, none + 1),
                                             mx::take_along_axis(occluded, mx::maximum(prev_valid, none + 1), 1));
  return mx::logical_and(valid, mx::logical_or(occluded, prev_occluded));
}

bool same_geometry(const Intrinsics& a, const Intrinsics& b) {
  return a.width == b.width && a.height == b.height && a.fx == b.fx && a.fy == b.fy && a.ppx == b.ppx &&
         a.ppy == b.ppy && a.model == b.model && a.coeffs == b.coeffs;
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
  if (!rays_for_ || !same_geometry(*rays_for_, depth.intrinsics) || rays_.shape(0) != h || rays_.shape(1) != w) {
    rays_ = deproject_rays(depth.intrinsics, h, w);
    rays_for_ = depth.intrinsics;
  }
  const auto& rays = rays_;
  const auto z = mx::multiply(mx::astype(depth.data, mx::float32), f32(depth.depth_units));
  const auto zz = mx::expand_dims(z, -1);
  auto vertices = mx::concatenate({mx::multiply(zz, rays), zz}, -1);
  PointcloudResult r;
  if (!texture_) {
    r.vertices = vertices;
    r.texcoords = mx::zeros({h, w, 2}, mx::float32);
    return r;
  }
  const auto valid = mx::expand_dims(mx::not_equal(z, f32(0)), -1);
  auto pixels = project_points(transform_points(vertices, extrinsics_), *texture_);
  pixels = mx::where(valid, pixels, f32(0));
  const auto size = mx::array({float(texture_->width), float(texture_->height)});
  r.texcoords = mx::divide(pixels, size);
  if (table_.get("filter_magnitude") == 2 && !is_identity(extrinsics_)) {
    const auto& t = extrinsics_.translation;
    if (t[0] < 0.001f && t[1] > 0.01f) {
      throw UnsupportedFeatureError(
          "[depth.pointcloud] occlusion removal for a vertical depth/texture baseline (L500 layout) is not "
          "implemented; set filter_magnitude to 1");
    }
    const auto px = mx::squeeze(mx::slice(pixels, {0, 0, 0}, {h, w, 1}), -1);
    vertices = mx::where(mx::expand_dims(occlusion_mask(z, px), -1), f32(0), vertices);
  }
  r.vertices = vertices;
  return r;
}

}  // namespace robomlx::depth
