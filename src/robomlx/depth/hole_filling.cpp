// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch and the portable path of hole filling.
//
// Modes 1/2 fill in raster order, so a hole depends on filled pixels above and to its left. The
// portable path loops over rows; within a row, filled(c) = op(A(c), filled(c-1)) where A(c) only
// needs the finished row above and the untouched row below, i.e. a cumulative max (min) that
// restarts at every valid pixel. Values are mapped to order-preserving integer keys and offset by
// a per-segment term, so one cummax/cummin over the row does the segmented scan.
#include "robomlx/depth/hole_filling.h"

#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/hole_filling_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.hole_filling";
constexpr int64_t kSegment = int64_t{1} << 33;   // > any key + kBias, and > kInf
constexpr int64_t kBias = int64_t{1} << 31;      // keys are int32-ranged; biased keys are >= 0
constexpr int64_t kInf = (int64_t{1} << 32);     // "no value" for the nearest mode (> any biased key)

mx::array i64(int64_t v) { return mx::array(v, mx::int64); }

// Integer keys with the order of the values; 0 <=> hole (0, or float bit pattern 0).
mx::array to_keys(const mx::array& x, mx::Stream s) {
  if (x.dtype() == mx::uint16) return mx::astype(x, mx::int64, s);
  auto b = mx::view(x, mx::int32, s);
  auto flipped = mx::bitwise_xor(b, mx::array(0x7fffffff, mx::int32), s);
  return mx::astype(mx::where(mx::less(b, mx::array(0, mx::int32), s), flipped, b, s), mx::int64, s);
}

mx::array from_keys(const mx::array& k, mx::Dtype dtype, mx::Stream s) {
  if (dtype == mx::uint16) return mx::astype(k, mx::uint16, s);
  auto b = mx::astype(k, mx::int32, s);
  auto flipped = mx::bitwise_xor(b, mx::array(0x7fffffff, mx::int32), s);
  return mx::view(mx::where(mx::less(b, mx::array(0, mx::int32), s), flipped, b, s), mx::float32, s);
}

mx::array shift_right(const mx::array& row, mx::Stream s) {  // out[c] = row[c-1], out[0] = row[0]
  int w = row.shape(1);
  return mx::concatenate({mx::slice(row, {0, 0}, {1, 1}, s), mx::slice(row, {0, 0}, {1, w - 1}, s)}, 1, s);
}

mx::array fill_from_left(const mx::array& x, mx::Stream s) {
  int w = x.shape(1);
  auto idx = mx::reshape(mx::arange(w, mx::int32, s), {1, w}, s);
  auto hole = mx::equal(to_keys(x, s), i64(0), s);
  auto source = mx::cummax(mx::where(hole, mx::array(0, mx::int32), idx, s), 1, false, true, s);
  return mx::take_along_axis(x, source, 1, s);
}

// One row of mode 1 (farest = max) or 2 (nearest = min) on keys; up = finished row above.
mx::array fill_row(const mx::array& up, const mx::array& cur, const mx::array& down, const mx::array& col0, bool farest,
                   mx::Stream s) {
  auto zero = i64(0);
  auto hole = mx::logical_and(mx::equal(cur, zero, s), mx::logical_not(col0, s), s);
  auto up_left = shift_right(up, s), down_left = shift_right(down, s);
  mx::array around(0), start(0), brk(0), value(0);
  if (farest) {
    around = mx::maximum(mx::maximum(up, up_left, s), mx::maximum(down_left, down, s), s);
    brk = mx::logical_not(hole, s);
    value = mx::where(hole, around, cur, s);
    auto seg = mx::multiply(mx::cumsum(mx::astype(brk, mx::int64, s), 1, false, true, s), i64(kSegment), s);
    auto scanned = mx::cummax(mx::add(mx::add(value, i64(kBias), s), seg, s), 1, false, true, s);
    return mx::where(hole, mx::subtract(mx::subtract(scanned, seg, s), i64(kBias), s), cur, s);
  }
  auto inf = i64(kInf - kBias);  // biased below to kInf
  auto or_inf = [&](const mx::array& k) { return mx::where(mx::equal(k, zero, s), inf, k, s); };
  around = mx::minimum(mx::minimum(up, or_inf(up_left), s), mx::minimum(or_inf(down_left), or_inf(down), s), s);
  auto dead = mx::equal(around, zero, s);  // up neighbour is a hole: the pixel stays a hole
  brk = mx::logical_or(mx::logical_not(hole, s), dead, s);
  value = mx::where(mx::logical_and(hole, mx::logical_not(dead, s), s), around, or_inf(cur), s);
  auto seg = mx::multiply(mx::cumsum(mx::astype(brk, mx::int64, s), 1, false, true, s), i64(kSegment), s);
  auto scanned = mx::cummin(mx::subtract(mx::add(value, i64(kBias), s), seg, s), 1, false, true, s);
  auto filled = mx::subtract(mx::add(scanned, seg, s), i64(kBias), s);
  return mx::where(hole, mx::where(dead, zero, filled, s), cur, s);
}

mx::array fill_around(const mx::array& x, bool farest, mx::Stream s) {
  int h = x.shape(0), w = x.shape(1);
  if (h < 3 || w < 2) return x;
  auto keys = to_keys(x, s);
  auto col0 = mx::equal(mx::reshape(mx::arange(w, mx::int32, s), {1, w}, s), mx::array(0, mx::int32), s);
  auto row = [&](int r) { return mx::slice(keys, {r, 0}, {r + 1, w}, s); };
  std::vector<mx::array> rows = {row(0)};
  for (int r = 1; r < h - 1; ++r) rows.push_back(fill_row(rows.back(), row(r), row(r + 1), col0, farest, s));
  rows.push_back(row(h - 1));
  return from_keys(mx::concatenate(rows, 0, s), x.dtype(), s);
}
}  // namespace

void HoleFillingOptions::validate() const { check_range(kTag, "holes_fill", mode, 0, 2); }

namespace detail {
mx::array hole_filling_portable(const mx::array& image, int mode, mx::Stream s) {
  return mode == 0 ? fill_from_left(image, s) : fill_around(image, mode == 1, s);
}
}  // namespace detail

mx::array hole_filling(const mx::array& image, const HoleFillingOptions& options, mx::StreamOrDevice s) {
  options.validate();
  check_ndim(kTag, "image", image, 2);
  check_dtype(kTag, "image", image, {mx::uint16, mx::float32});
  const mx::Stream stream = op_stream(s);
  const bool metal = detail::hole_filling_metal_supports(options.mode) && metal_twin_usable(kTag);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal})) {
    case Impl::cpu: return detail::hole_filling_cpu(image, options.mode, stream);
    case Impl::cuda: return detail::hole_filling_gpu(image, options.mode, stream);
    case Impl::metal:
      if (auto r = try_metal_twin(kTag, [&] { return detail::hole_filling_gpu(image, options.mode, stream); })) return *r;
      [[fallthrough]];
    default: return detail::hole_filling_portable(image, options.mode, stream);
  }
}

}  // namespace robomlx::depth
