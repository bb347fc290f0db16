// SPDX-License-Identifier: Apache-2.0
// The float (disparity) part of the spatial filter's portable path (spatial_filter.cpp: the rest).
//
// The edge test compares raw neighbours, so each directional pass is the affine recurrence
// state_k = a_k state_{k-1} + b_k along rows or columns. affine_scan (line_scan_internal.h)
// evaluates it in a few fused kernels, adding in tree order, a few ulps off the sequential loop;
// the refinement (line_scan_refine.cpp) then sweeps it to the sequential loop's own float result,
// bit for bit, so later passes' edge tests and every golden are exact. It runs a fixed number of
// sweeps per pass, with no host sync, and keeps whether each pass's last sweep still changed a
// sample: the filter is one lazy graph, and reading its passes' flags (one reduction) its one host
// sync. Should a pass not have settled, the filter runs again with sweeps that check every few
// steps until none changes.
#include <algorithm>
#include <cmath>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/line_scan_internal.h"
#include "robomlx/depth/spatial_filter_twins.h"

namespace robomlx::depth::detail {

namespace {

// Samples each scan window covers (taps 8, 8): keep = 1 - alpha <= 0.75, so what a longer window
// would add is below 0.75^64 < 2^-26 of the values, under float rounding, which the refinement
// corrects anyway. Longer lines need no more scan steps or padding.
constexpr int kScanWindow = 64;
// Steps the refinement runs per pass before its check (6 fused sweeps of 5; the last one checks),
// and the resets (zero samples) it reads before each line. The standard chain's passes and the
// golden ones at alpha 0.5 reach the sequential result in 12-21 steps, noisy planes where every
// sample blends in up to 23 (docs/results/2026-12-07-cpu-chain-lazy), and each further step halves
// what little is left, so a pass still changing after 30 is rare; then the filter runs again with
// checked sweeps (refine_recurrence, which uses the same resets).
constexpr int kRefineSteps = 30;

mx::array scalar(float v) { return mx::array(v, mx::float32); }

// Float path: (a, b) = (1 - alpha, alpha x_k) where sample k blends with its previous raw sample,
// (0, x_k) where it does not. {prev, cur, alpha, keep, delta} -> {a, b}. Samples are finite and
// >= 0 here (holes, NaN, inf and negatives enter as +0, which never blends: upstream's "bit
// pattern > 0" is `> 0` on them). b reads a, so both come from one fused kernel (compose_ab,
// line_scan.cpp).
std::vector<mx::array> edge_ab(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto &prev = in[0], &cur = in[1], &delta = in[4];
  auto zero = scalar(0.0f);
  auto d = mx::subtract(prev, cur, s);
  auto blend = mx::logical_and(mx::logical_and(mx::greater(prev, zero, s), mx::greater(cur, zero, s), s),
                               mx::logical_and(mx::less(d, delta, s), mx::greater(d, mx::negative(delta, s), s), s), s);
  auto a = mx::where(blend, in[3], zero, s);  // keep = 0 (alpha = 1) gives b = cur, as blending would
  return {a, mx::where(mx::greater(a, zero, s), mx::multiply(cur, in[2], s), cur, s)};
}

// {x} -> {x where a positive finite number, else +0}; {y, x} -> {y there, else x}.
mx::array usable(const mx::array& x, mx::StreamOrDevice s) {
  return mx::logical_and(mx::greater(x, scalar(0.0f), s), mx::less(x, scalar(INFINITY), s), s);
}
std::vector<mx::array> clear_unusable(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {mx::where(usable(in[0], s), in[0], scalar(0.0f), s)};
}
std::vector<mx::array> restore_unusable(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {mx::where(usable(in[1], s), in[0], in[1], s)};
}

// Both directions along `axis` (1: left->right then right->left; 0: top->bottom then bottom->top).
// Each pass: the edge test on the pass's input (one kernel), the scan (2 kernels), then the
// refinement to the sequential result (line_scan_refine.cpp), which the next pass's edge test
// reads: speculative (fixed sweeps, its `changed` appended to *flags) when flags is given, else
// checked until exact. The scan reads `pad` zeros before the line (after it, in reverse) and the
// refinement kRefineSteps more: zeros are holes, so they never blend, and every window starts
// from a reset. x: finite and >= 0 (spatial_filter_portable clears the other samples).
mx::array float_passes(const mx::array& x, int axis, float alpha, float delta, std::vector<mx::array>* flags,
                       mx::Stream s) {
  const int n = x.shape(axis), m = std::max(1, detail::spatial_refine_steps());
  const auto taps = scan_taps(std::min(n, kScanWindow));
  const int pad = scan_pad(taps), zeros = pad + 1 + m, len = n + 2 * zeros;
  const float keep = 1.0f - alpha;
  const std::vector<mx::array> opts = {scalar(alpha), scalar(keep), scalar(delta)};
  auto ab_of = [&](const mx::array& prev, const mx::array& cur) {
    std::vector<mx::array> in = {prev, cur};
    in.insert(in.end(), opts.begin(), opts.end());
    return run_fused<edge_ab>(in, s);
  };
  auto refine = [&](const mx::array& y0, const mx::array& a, const mx::array& b, bool reverse) {
    if (!flags) return refine_recurrence(y0, a, b, axis, reverse, keep, m, s);
    auto r = refine_steps(y0, a, b, axis, reverse, keep, m, s);
    flags->push_back(mx::reshape(r.changed, {-1}, s));
    return r.y;
  };
  // Forward over xp = `zeros` zeros, the line, `zeros` zeros (one pad for both directions): samples
  // 1..len-1 of xp, each after its left/upper neighbour; the scan yields the last len - 1 - pad of
  // them, the refinement the last n + zeros: the line and the zeros after it, which stay zeros.
  std::vector<std::pair<int, int>> widths(2, {0, 0});
  widths[axis] = {zeros, zeros};
  auto xp = mx::pad(x, widths, scalar(0.0f), "constant", s);
  auto ab = ab_of(slice_axis(xp, axis, 0, len - 1, s), slice_axis(xp, axis, 1, len, s));
  auto yp = affine_scan(ab[0], ab[1], slice_axis(xp, axis, pad + 1, len, s), axis, false, taps, s);
  yp = refine(yp, slice_axis(ab[0], axis, pad, len - 1, s), slice_axis(ab[1], axis, pad, len - 1, s), false);
  // Reverse over yp = the line, then the zeros: samples 0..n+zeros-2, each after its right/lower
  // neighbour; the scan yields the first n + m, the refinement the first n.
  const int rlen = n + zeros;
  ab = ab_of(slice_axis(yp, axis, 1, rlen, s), slice_axis(yp, axis, 0, rlen - 1, s));
  auto y = affine_scan(ab[0], ab[1], slice_axis(yp, axis, 0, n + m, s), axis, true, taps, s);
  return refine(y, slice_axis(ab[0], axis, 0, n + m, s), slice_axis(ab[1], axis, 0, n + m, s), true);
}

// All iterations of the float path, speculative when flags is given.
mx::array float_filter(const mx::array& x0, const SpatialFilterOptions& o, std::vector<mx::array>* flags,
                       mx::Stream s) {
  auto x = x0;
  const auto delta = static_cast<float>(o.delta);
  for (int it = 0; it < o.iterations; ++it) {
    x = float_passes(float_passes(x, 1, o.alpha, delta, flags, s), 0, o.alpha, delta, flags, s);  // rows, columns
  }
  return x;
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

int& spatial_refine_steps() {
  thread_local int steps = kRefineSteps;
  return steps;
}

mx::array spatial_filter_float(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  const int radius = o.holes_fill_radius();
  // Samples that are not positive finite numbers never blend nor let a neighbour blend, and come
  // out as they went in: the passes see them as +0 (line_scan_internal.h says why they must).
  auto x0 = run_fused<clear_unusable>({image}, s)[0];
  mx::array x = x0;
  if (refine_fuses_products(1.0f - o.alpha)) {
    std::vector<mx::array> flags;
    x = float_filter(x0, o, &flags, s);
    auto unsettled = mx::any(mx::concatenate(flags, 0, s), false, s);
    portable_sync({unsettled, x});
    if (unsettled.item<bool>()) x = float_filter(x0, o, nullptr, s);
  } else {
    x = float_filter(x0, o, nullptr, s);
  }
  x = run_fused<restore_unusable>({x, image}, s)[0];
  return radius > 0 ? float_holes_fill(x, radius, s) : x;
}

}  // namespace robomlx::depth::detail
