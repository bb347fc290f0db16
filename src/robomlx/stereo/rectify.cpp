// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/rectify.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/rectify_twins.h"

namespace robomlx::stereo {

namespace {

constexpr const char* kTag = "stereo.rectify";
constexpr const char* kRemapTag = "stereo.remap";
constexpr ImplSet kRemapTwins{.cpu = true};

void check_image(const mx::array& image) {
  if (image.ndim() != 2 && image.ndim() != 3)
    fail_argument(kTag, "image must be [H, W] or [H, W, C], got " + shape_string(image.shape()));
  check_dtype(kTag, "image", image, {mx::uint8, mx::float32});
}

}  // namespace

namespace detail {
bool remap_plans_cpu_twin(mx::Stream s) { return preview_impl(kRemapTag, s.device, kRemapTwins) == Impl::cpu; }

mx::array remap_bilinear_portable(const mx::array& image, const RemapTable& table, mx::Stream s) {
  const int h = image.shape(0), w = image.shape(1);
  const int c = image.ndim() == 3 ? image.shape(2) : 1;
  const int n = table.out_height * table.out_width;
  const mx::array flat = mx::reshape(image, {h * w, c}, s);
  // Gather in the source dtype (uint8 moves 4x less memory), then blend in float32.
  const mx::array neighbours =
      mx::astype(mx::reshape(mx::take(flat, table.index, 0, s), {n, 4, c}, s), mx::float32, s);
  mx::array out = mx::sum(mx::multiply(neighbours, table.weight, s), 1, false, s);
  out = image.ndim() == 2 ? mx::reshape(out, {table.out_height, table.out_width}, s)
                          : mx::reshape(out, {table.out_height, table.out_width, c}, s);
  if (image.dtype() != mx::uint8) return out;
  return mx::astype(mx::clip(mx::round(out, 0, s), mx::array(0.0f), mx::array(255.0f), s), mx::uint8, s);
}
}  // namespace detail

std::array<double, 16> RectifiedGeometry::q() const {
  return {1, 0, 0, -cx, 0, 1, 0, -cy, 0, 0, 0, focal_px, 0, 0, 1.0 / baseline_mm, 0};
}

RemapTable make_remap_table(const mx::array& map, int src_height, int src_width, mx::StreamOrDevice stream_or_device) {
  check_shape(kTag, "map", map, {-1, -1, 2});
  check_dtype(kTag, "map", map, {mx::float32});
  const mx::Stream s = op_stream(stream_or_device);
  const int h = src_height, w = src_width;
  RemapTable t{h, w, map.shape(0), map.shape(1)};
  const mx::array x = mx::take(map, 0, 2, s), y = mx::take(map, 1, 2, s);
  const mx::array x0f = mx::floor(x, s), y0f = mx::floor(y, s);
  const mx::array ax = mx::subtract(x, x0f, s), ay = mx::subtract(y, y0f, s);
  const mx::array one = mx::array(1.0f);
  // Far-away coordinates are clamped before the int cast; their neighbours stay outside.
  const mx::array x0 = mx::astype(mx::clip(x0f, mx::array(-2.0f), mx::array(float(w + 1)), s), mx::int32, s);
  const mx::array y0 = mx::astype(mx::clip(y0f, mx::array(-2.0f), mx::array(float(h + 1)), s), mx::int32, s);
  std::vector<mx::array> index, weight;
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      const mx::array xi = mx::add(x0, mx::array(dx), s), yi = mx::add(y0, mx::array(dy), s);
      const mx::array inside =
          mx::logical_and(mx::logical_and(mx::greater_equal(xi, mx::array(0), s), mx::less(xi, mx::array(w), s), s),
                          mx::logical_and(mx::greater_equal(yi, mx::array(0), s), mx::less(yi, mx::array(h), s), s), s);
      const mx::array row = mx::multiply(mx::clip(yi, mx::array(0), mx::array(h - 1), s), mx::array(w), s);
      index.push_back(mx::add(row, mx::clip(xi, mx::array(0), mx::array(w - 1), s), s));
      const mx::array wx = dx ? ax : mx::subtract(one, ax, s), wy = dy ? ay : mx::subtract(one, ay, s);
      weight.push_back(mx::where(inside, mx::multiply(wx, wy, s), mx::array(0.0f), s));
    }
  }
  const int n = t.out_height * t.out_width;
  t.index = mx::reshape(mx::stack(index, -1, s), {n * 4}, s);
  t.weight = mx::reshape(mx::stack(weight, -1, s), {n, 4, 1}, s);
  mx::eval(t.index, t.weight);
  return t;
}

mx::array remap_bilinear(const mx::array& image, const RemapTable& table, mx::StreamOrDevice stream_or_device) {
  check_image(image);
  if (image.shape(0) != table.src_height || image.shape(1) != table.src_width)
    fail_argument(kTag, "image must be " + std::to_string(table.src_width) + "x" + std::to_string(table.src_height) +
                            " for this remap table, got shape " + shape_string(image.shape()));
  const mx::Stream s = op_stream(stream_or_device);
  choose_impl(kRemapTag, s, ImplSet{});  // no twin reads a table: records the portable path
  return detail::remap_bilinear_portable(image, table, s);
}

mx::array remap_bilinear(const mx::array& image, const mx::array& map, mx::StreamOrDevice stream_or_device) {
  check_image(image);
  check_shape(kTag, "map", map, {-1, -1, 2});
  check_dtype(kTag, "map", map, {mx::float32});
  const mx::Stream s = op_stream(stream_or_device);
  if (choose_impl(kRemapTag, s, kRemapTwins) == Impl::cpu) return detail::remap_bilinear_cpu(image, map, s);
  return detail::remap_bilinear_portable(image, make_remap_table(map, image.shape(0), image.shape(1), s), s);
}

StereoPair rectify_pair(const Rectification& rect, const mx::array& left, const mx::array& right,
                        mx::StreamOrDevice stream_or_device) {
  for (const auto* im : {&left, &right}) {
    if (im->ndim() < 2 || im->shape(0) != rect.height || im->shape(1) != rect.width)
      fail_argument(kTag, std::string(im == &left ? "left" : "right") + " image must be " +
                              std::to_string(rect.width) + "x" + std::to_string(rect.height) +
                              " (the calibration's size), got shape " + shape_string(im->shape()));
  }
  const mx::Stream s = op_stream(stream_or_device);
  if (detail::remap_plans_cpu_twin(s) || rect.left_table.src_width == 0)
    return {remap_bilinear(left, rect.left_map, s), remap_bilinear(right, rect.right_map, s)};
  return {remap_bilinear(left, rect.left_table, s), remap_bilinear(right, rect.right_table, s)};
}

StereoPair split_side_by_side(const mx::array& frame, mx::StreamOrDevice s) {
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
  return {mx::slice(frame, start, mid, s), mx::slice(frame, start_r, stop, s)};
}

}  // namespace robomlx::stereo
