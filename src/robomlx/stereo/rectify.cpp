// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/rectify.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/rectify_cpu.h"

namespace robomlx::stereo {

namespace {

constexpr const char* kTag = "stereo.rectify";

}  // namespace

namespace detail {
bool remap_uses_cpu_twin() {
  return choose_impl("stereo.remap", mx::default_device(), ImplSet{.cpu = true}) == Impl::cpu;
}
}  // namespace detail

std::array<double, 16> RectifiedGeometry::q() const {
  return {1, 0, 0, -cx, 0, 1, 0, -cy, 0, 0, 0, focal_px, 0, 0, 1.0 / baseline_mm, 0};
}

RemapTable make_remap_table(const mx::array& map, int src_height, int src_width) {
  check_shape(kTag, "map", map, {-1, -1, 2});
  check_dtype(kTag, "map", map, {mx::float32});
  const int h = src_height, w = src_width;
  RemapTable t{h, w, map.shape(0), map.shape(1)};
  const mx::array x = mx::take(map, 0, 2), y = mx::take(map, 1, 2);
  const mx::array x0f = mx::floor(x), y0f = mx::floor(y);
  const mx::array ax = x - x0f, ay = y - y0f;
  // Far-away coordinates are clamped before the int cast; their neighbours stay outside.
  const mx::array x0 = mx::astype(mx::clip(x0f, mx::array(-2.0f), mx::array(float(w + 1))), mx::int32);
  const mx::array y0 = mx::astype(mx::clip(y0f, mx::array(-2.0f), mx::array(float(h + 1))), mx::int32);
  std::vector<mx::array> index, weight;
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      const mx::array xi = x0 + dx, yi = y0 + dy;
      const mx::array inside = (xi >= 0) && (xi < w) && (yi >= 0) && (yi < h);
      index.push_back(mx::clip(yi, mx::array(0), mx::array(h - 1)) * w + mx::clip(xi, mx::array(0), mx::array(w - 1)));
      const mx::array wx = dx ? ax : 1.0f - ax, wy = dy ? ay : 1.0f - ay;
      weight.push_back(mx::where(inside, wx * wy, mx::array(0.0f)));
    }
  }
  const int n = t.out_height * t.out_width;
  t.index = mx::reshape(mx::stack(index, -1), {n * 4});
  t.weight = mx::reshape(mx::stack(weight, -1), {n, 4, 1});
  mx::eval(t.index, t.weight);
  return t;
}

mx::array remap_bilinear(const mx::array& image, const RemapTable& table) {
  if (image.ndim() != 2 && image.ndim() != 3)
    fail_argument(kTag, "image must be [H, W] or [H, W, C], got " + shape_string(image.shape()));
  check_dtype(kTag, "image", image, {mx::uint8, mx::float32});
  if (image.shape(0) != table.src_height || image.shape(1) != table.src_width)
    fail_argument(kTag, "image must be " + std::to_string(table.src_width) + "x" + std::to_string(table.src_height) +
                            " for this remap table, got shape " + shape_string(image.shape()));
  const int h = image.shape(0), w = image.shape(1);
  const int c = image.ndim() == 3 ? image.shape(2) : 1;
  const int n = table.out_height * table.out_width;
  const mx::array flat = mx::reshape(image, {h * w, c});
  // Gather in the source dtype (uint8 moves 4x less memory), then blend in float32.
  const mx::array neighbours = mx::astype(mx::reshape(mx::take(flat, table.index, 0), {n, 4, c}), mx::float32);
  mx::array out = mx::sum(neighbours * table.weight, 1);
  out = image.ndim() == 2 ? mx::reshape(out, {table.out_height, table.out_width})
                          : mx::reshape(out, {table.out_height, table.out_width, c});
  if (image.dtype() == mx::uint8) return mx::astype(mx::clip(mx::round(out), mx::array(0.0f), mx::array(255.0f)), mx::uint8);
  return out;
}

mx::array remap_bilinear(const mx::array& image, const mx::array& map) {
  if (image.ndim() != 2 && image.ndim() != 3)
    fail_argument(kTag, "image must be [H, W] or [H, W, C], got " + shape_string(image.shape()));
  check_dtype(kTag, "image", image, {mx::uint8, mx::float32});
  check_shape(kTag, "map", map, {-1, -1, 2});
  check_dtype(kTag, "map", map, {mx::float32});
  if (detail::remap_uses_cpu_twin()) return detail::remap_bilinear_cpu(image, map);
  return remap_bilinear(image, make_remap_table(map, image.shape(0), image.shape(1)));
}

StereoPair rectify_pair(const Rectification& rect, const mx::array& left, const mx::array& right) {
  for (const auto* im : {&left, &right}) {
    if (im->ndim() < 2 || im->shape(0) != rect.height || im->shape(1) != rect.width)
      fail_argument(kTag, std::string(im == &left ? "left" : "right") + " image must be " +
                              std::to_string(rect.width) + "x" + std::to_string(rect.height) +
                              " (the calibration's size), got shape " + shape_string(im->shape()));
  }
  if (detail::remap_uses_cpu_twin() || rect.left_table.src_width == 0)
    return {remap_bilinear(left, rect.left_map), remap_bilinear(right, rect.right_map)};
  return {remap_bilinear(left, rect.left_table), remap_bilinear(right, rect.right_table)};
}

StereoPair split_side_by_side(const mx::array& frame) {
  if (frame.ndim() != 2 && frame.ndim() != 3)
    fail_argument("stereo.split", "side-by-side frame must be [H, 2W] or [H, 2W, C], got " + shape_string(frame.shape()));
  const int w2 = frame.shape(1);
  if (w2 % 2 != 0 || w2 < 2)
    fail_argument("stereo.split", "side-by-side frame width must be even (two eyes), got " + std::to_string(w2));
  const int w = w2 / 2;
  mx::Shape start(frame.ndim(), 0), mid = frame.shape(), stop = frame.shape();
  mid[1] = w;
  mx::Shape start_r = start;
  start_r[1] = w;
  return {mx::slice(frame, start, mid), mx::slice(frame, start_r, stop)};
}

}  // namespace robomlx::stereo
