// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch and the portable path of the spatial filter. The recursion is sequential
// along one axis, so every pass loops over that axis and works on whole lines of the other axis
// at once; horizontal passes run on the transposed image so both cases scan axis 0.
#include "robomlx/depth/spatial_filter.h"

#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/spatial_filter_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.spatial";

void check_integer_option(const char* name, int v, int lo, int hi) { check_range(kTag, name, v, lo, hi); }

mx::array row(const mx::array& x, int k, mx::Stream s) {
  return mx::slice(x, {k, 0}, {k + 1, x.shape(1)}, s);
}

mx::array scalar(float v) { return mx::array(v, mx::float32); }

// Float path, one directional scan along axis 0 of x [N, M]. The edge test uses raw neighbours
// (vectorised up front); only the blend of the state is sequential. Output row = state.
mx::array float_scan(const mx::array& x, float alpha, float delta, bool forward, mx::Stream s) {
  int n = x.shape(0), m = x.shape(1);
  auto valid = mx::greater(mx::view(x, mx::int32, s), mx::array(0), s);
  auto head = mx::slice(x, {0, 0}, {n - 1, m}, s), tail = mx::slice(x, {1, 0}, {n, m}, s);
  auto vhead = mx::slice(valid, {0, 0}, {n - 1, m}, s), vtail = mx::slice(valid, {1, 0}, {n, m}, s);
  // Pair k = (x[k], x[k+1]); forward scans read x[k] as the previous sample, backward x[k+1].
  auto prev = forward ? head : tail, cur = forward ? tail : head;
  auto d = mx::subtract(prev, cur, s);
  auto blend = mx::logical_and(mx::logical_and(vhead, vtail, s),
                               mx::logical_and(mx::less(d, scalar(delta), s), mx::greater(d, scalar(-delta), s), s), s);
  auto weighted = mx::multiply(cur, scalar(alpha), s);
  auto keep = scalar(1.0f - alpha);
  std::vector<mx::array> rows(n, mx::array(0));
  mx::array state = row(x, forward ? 0 : n - 1, s);
  rows[forward ? 0 : n - 1] = state;
  for (int i = 0; i < n - 1; ++i) {
    int k = forward ? i : n - 2 - i;  // pair index
    state = mx::where(row(blend, k, s), mx::add(row(weighted, k, s), mx::multiply(state, keep, s), s), row(cur, k, s), s);
    rows[forward ? k + 1 : k] = state;
  }
  return mx::concatenate(rows, 0, s);
}

// uint16 path (values held as float32, exact), the two horizontal scans of librealsense's
// recursive_filter_horizontal on xt = image transposed [W, H].
mx::array z16_left_right(const mx::array& xt, float alpha, float delta, int radius, mx::Stream s) {
  int n = xt.shape(0);
  auto weighted = mx::multiply(xt, scalar(alpha), s);
  auto keep = scalar(1.0f - alpha), one = scalar(1.0f), half = scalar(0.5f);
  std::vector<mx::array> rows;
  mx::array state = row(xt, 0, s);
  mx::array fill = mx::zeros_like(state, s);
  rows.push_back(state);
  for (int k = 1; k < n - 1; ++k) {
    auto cur = row(xt, k, s);
    auto v0 = mx::greater_equal(state, one, s), v1 = mx::greater_equal(cur, one, s);
    auto diff = mx::abs(mx::subtract(cur, state, s), s);
    auto blend = mx::logical_and(mx::logical_and(v0, v1, s),
                                 mx::logical_and(mx::greater_equal(diff, one, s), mx::less_equal(diff, scalar(delta), s), s), s);
    auto filtered = mx::floor(mx::add(mx::add(row(weighted, k, s), mx::multiply(state, keep, s), s), half, s), s);
    auto out = mx::where(blend, filtered, cur, s);
    if (radius > 0) {
      auto hole = mx::logical_and(v0, mx::logical_not(v1, s), s);
      fill = mx::where(mx::logical_and(v0, v1, s), scalar(0), mx::where(hole, mx::add(fill, one, s), fill, s), s);
      out = mx::where(mx::logical_and(hole, mx::less(fill, scalar(radius), s), s), state, out, s);
    }
    state = out;
    rows.push_back(state);
  }
  rows.push_back(row(xt, n - 1, s));
  return mx::concatenate(rows, 0, s);
}

mx::array z16_right_left(const mx::array& xt, float alpha, float delta, int radius, mx::Stream s) {
  int n = xt.shape(0);
  auto weighted = mx::multiply(xt, scalar(alpha), s);
  auto keep = scalar(1.0f - alpha), one = scalar(1.0f), half = scalar(0.5f);
  std::vector<mx::array> rows(n, mx::array(0));
  mx::array state = row(xt, n - 1, s);
  mx::array fill = mx::zeros_like(state, s);
  rows[n - 1] = state;
  for (int k = n - 2; k >= 0; --k) {
    auto cur = row(xt, k, s);
    auto v1 = mx::greater_equal(state, one, s), v0 = mx::greater(cur, one, s);  // raw 1 counts as a hole here
    auto diff = mx::abs(mx::subtract(state, cur, s), s);
    auto blend = mx::logical_and(mx::logical_and(v0, v1, s), mx::less_equal(diff, scalar(delta), s), s);
    auto filtered = mx::floor(mx::add(mx::add(row(weighted, k, s), mx::multiply(state, keep, s), s), half, s), s);
    auto out = mx::where(blend, filtered, cur, s);
    if (radius > 0) {
      auto hole = mx::logical_and(v1, mx::logical_not(v0, s), s);
      fill = mx::where(mx::logical_and(v0, v1, s), scalar(0), mx::where(hole, mx::add(fill, one, s), fill, s), s);
      out = mx::where(mx::logical_and(hole, mx::less(fill, scalar(radius), s), s), state, out, s);
    }
    state = out;
    rows[k] = state;
  }
  return mx::concatenate(rows, 0, s);
}

// recursive_filter_vertical: top->bottom without a validity test, bottom->top with one.
mx::array z16_vertical(const mx::array& x, float alpha, float delta, mx::Stream s) {
  int n = x.shape(0);
  auto weighted = mx::multiply(x, scalar(alpha), s);
  auto keep = scalar(1.0f - alpha), one = scalar(1.0f), half = scalar(0.5f);
  std::vector<mx::array> rows(n, mx::array(0));
  mx::array state = row(x, 0, s);
  rows[0] = state;
  for (int k = 1; k < n; ++k) {
    auto cur = row(x, k, s);
    auto close = mx::less(mx::abs(mx::subtract(state, cur, s), s), scalar(delta), s);
    auto filtered = mx::floor(mx::add(mx::add(row(weighted, k, s), mx::multiply(state, keep, s), s), half, s), s);
    state = mx::where(close, filtered, cur, s);
    rows[k] = state;
  }
  auto down = mx::concatenate(rows, 0, s);
  weighted = mx::multiply(down, scalar(alpha), s);
  state = row(down, n - 1, s);
  rows[n - 1] = state;
  for (int k = n - 2; k >= 0; --k) {
    auto cur = row(down, k, s);
    auto both = mx::logical_and(mx::greater_equal(cur, one, s), mx::greater_equal(state, one, s), s);
    auto close = mx::logical_and(both, mx::less(mx::abs(mx::subtract(cur, state, s), s), scalar(delta), s), s);
    auto filtered = mx::floor(mx::add(mx::add(row(weighted, k, s), mx::multiply(state, keep, s), s), half, s), s);
    state = mx::where(close, filtered, cur, s);
    rows[k] = state;
  }
  return mx::concatenate(rows, 0, s);
}

// Float-path hole filling after all iterations (intertial_holes_fill): per row, left->right then
// right->left, each filling at most radius-1 holes of a run from the nearest non-empty pixel.
mx::array float_holes_fill(const mx::array& x, int radius, mx::Stream s) {
  int h = x.shape(0), w = x.shape(1);
  auto idx = mx::reshape(mx::arange(w, mx::int32, s), {1, w}, s);
  auto col_ok = mx::greater_equal(idx, mx::array(1), s);
  auto r = mx::array(radius);
  auto empty = mx::equal(mx::view(x, mx::int32, s), mx::array(0), s);
  auto left = mx::cummax(mx::where(empty, mx::array(0), idx, s), 1, false, true, s);
  auto fill = mx::logical_and(mx::logical_and(empty, col_ok, s), mx::less(mx::subtract(idx, left, s), r, s), s);
  auto lr = mx::where(fill, mx::take_along_axis(x, left, 1, s), x, s);
  // Right->left: the last pixel's right neighbour is the next row's first pixel (upstream reads
  // one past the row; past the last row we read 0).
  auto next_first = mx::concatenate({mx::slice(lr, {1, 0}, {h, 1}, s), mx::zeros({1, 1}, mx::float32, s)}, 0, s);
  auto ext = mx::concatenate({lr, next_first}, 1, s);
  empty = mx::equal(mx::view(lr, mx::int32, s), mx::array(0), s);
  auto right = mx::cummin(mx::where(empty, mx::array(w), idx, s), 1, true, true, s);
  fill = mx::logical_and(mx::logical_and(empty, col_ok, s), mx::less(mx::subtract(right, idx, s), r, s), s);
  return mx::where(fill, mx::take_along_axis(ext, right, 1, s), lr, s);
}
}  // namespace

void SpatialFilterOptions::validate() const {
  check_range(kTag, "filter_smooth_alpha", alpha, 0.25, 1.0);
  check_integer_option("filter_smooth_delta", delta, 1, 50);
  check_integer_option("filter_magnitude", iterations, 1, 5);
  check_integer_option("holes_fill", holes_fill, 0, 5);
}

int SpatialFilterOptions::holes_fill_radius() const {
  if (holes_fill <= 0) return 0;
  return holes_fill >= 5 ? 255 : 1 << holes_fill;
}

namespace detail {
mx::array spatial_filter_portable(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  auto delta = static_cast<float>(o.delta);
  int radius = o.holes_fill_radius();
  if (image.dtype() == mx::float32) {
    auto x = image;
    for (int it = 0; it < o.iterations; ++it) {
      auto xt = mx::transpose(x, s);
      xt = float_scan(float_scan(xt, o.alpha, delta, true, s), o.alpha, delta, false, s);
      x = mx::transpose(xt, s);
      x = float_scan(float_scan(x, o.alpha, delta, true, s), o.alpha, delta, false, s);
    }
    return radius > 0 ? float_holes_fill(x, radius, s) : x;
  }
  auto x = mx::astype(image, mx::float32, s);
  for (int it = 0; it < o.iterations; ++it) {
    auto xt = mx::transpose(x, s);
    xt = z16_right_left(z16_left_right(xt, o.alpha, delta, radius, s), o.alpha, delta, radius, s);
    x = z16_vertical(mx::transpose(xt, s), o.alpha, delta, s);
  }
  return mx::astype(x, mx::uint16, s);
}
}  // namespace detail

mx::array spatial_filter(const mx::array& image, const SpatialFilterOptions& options, mx::StreamOrDevice s) {
  options.validate();
  check_ndim(kTag, "image", image, 2);
  check_dtype(kTag, "image", image, {mx::uint16, mx::float32});
  if (image.shape(0) < 2 || image.shape(1) < 2) {
    fail_argument(kTag, "image must be at least 2x2, got shape " + shape_string(image.shape()));
  }
  auto stream = mx::to_stream(s);
  switch (choose_impl(kTag, stream.device, ImplSet{.cpu = true, .cuda = true})) {
    case Impl::cpu: return detail::spatial_filter_cpu(image, options, stream);
    case Impl::cuda: return detail::spatial_filter_cuda(image, options, stream);
    default: return detail::spatial_filter_portable(image, options, stream);
  }
}

}  // namespace robomlx::depth
