// SPDX-License-Identifier: Apache-2.0
// Exact refinement of affine_scan's result for the spatial filter (line_scan_internal.h).
//
// Why it is exact. The sequential pass computes y_k = F_k(y_{k-1}) with F_k(v) = fl(b_k + fl(v a_k)),
// where a_k = keep if sample k blends (b_k = fl(alpha x_k)), else a_k = 0 and b_k = x_k (a reset:
// F_k is the constant x_k on the finite non-negative states the filter feeds it). Its result is
// the only sequence with y_k = F_k(y_{k-1}) at every k: at a reset it is x_k, and each later
// sample of the chain follows from the one before (induction from each chain start). A sweep
// applies the maps to the whole previous line at once, through views shifted by one sample:
// y'_k = F_k(y_{k-1}). Once a sweep changes no bit, its input satisfies the equation everywhere,
// so it IS the sequential result, bit for bit, whatever the start. Each sweep makes at least one
// more sample of every chain exact, so sweeps always end; starting from the scan, whose tree-order
// sums are off by a few ulps everywhere and whose differences shrink by keep per sample, they end
// once the longest run of such differences has died out (about log(samples) / log(1 / keep)
// steps; 12-21 at keep 0.5 on the golden and benchmark frames, docs/results).
//
// A sweep runs kStepsPerSweep maps per sample (y'_k = F_k(..F_{k-4}(y_{k-5}))): the same float
// ops in the same order, five samples of progress per kernel. The fixed point argument is
// unchanged: a run of maps that meets a reset starts from x there.
//
// The test: a sample's two values are finite and >= 0 (never NaN, no -0), so comparing them as
// floats is bitwise.
//
// Rounding. A fused GPU kernel (and g++ or clang on Arm, or with -mfma; MLX's CPU kernels are
// g++ -O3 without it on x86-64) may contract b + v a into an fma, which rounds once instead of
// twice. So the product is fused only where it is exact: keep = 0 or a power of two (alpha 0.5,
// the default, and 0.75), for products that are normal floats (depth and disparity are);
// otherwise each sweep is one step, with the product its own kernel before the fused add.
// Streams other than the default one run op by op (run_fused), so nothing contracts.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/line_scan_internal.h"

namespace robomlx::depth::detail {

namespace {

// Steps per fused sweep: a step is 2 levels (multiply, add) and the check 1 more; MLX fuses at most
// 11 levels into one kernel, so 5 steps with the check is the most.
constexpr int kStepsPerSweep = 5;
// Steps between convergence checks of refine_recurrence (one reduction and a host sync each).
constexpr int kStepsPerCheck = 15;

// {v, a_1..a_t, b_1..b_t} -> t steps of the recurrence from v, the previous sweep's line t samples
// behind (oldest step first).
mx::array steps(const std::vector<mx::array>& in, std::size_t t, mx::StreamOrDevice s) {
  mx::array y = in[0];
  for (std::size_t i = 1; i <= t; ++i) y = mx::add(in[t + i], mx::multiply(y, in[i], s), s);
  return y;
}

std::vector<mx::array> sweep(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {steps(in, (in.size() - 1) / 2, s)};
}

// As sweep, then {.., old} -> {y, changed}: old holds the previous sweep's value of each sample of y.
std::vector<mx::array> sweep_check(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto y = steps(in, (in.size() - 2) / 2, s);
  return {y, mx::not_equal(y, in.back(), s)};
}

// One step with the product v a computed beforehand: {v a, b(, old)}.
std::vector<mx::array> sum(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {mx::add(in[1], in[0], s)};
}

std::vector<mx::array> sum_check(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto y = mx::add(in[1], in[0], s);
  return {y, mx::not_equal(y, in[2], s)};
}

bool exact_products(float keep) {
  int e = 0;
  return keep == 0.0f || std::frexp(keep, &e) == 0.5f;
}

// One sweep of t steps: y covers samples [lost, L) forward, [0, L - lost) reverse; the result
// covers t fewer at the start of the scan order. check adds `changed` (see sweep_check).
std::vector<mx::array> one_sweep(const mx::array& y, const mx::array& a, const mx::array& b, int axis, bool reverse,
                                 int lost, int t, bool check, mx::Stream s) {
  const int n = y.shape(axis) - t;  // samples the sweep yields
  // Step i (1..t) runs on the samples i - t before the ones the sweep yields (forward).
  auto step_view = [&](const mx::array& x, int i) {
    const int first = reverse ? t - i : lost + i;
    return slice_axis(x, axis, first, first + n, s);
  };
  std::vector<mx::array> in = {slice_axis(y, axis, reverse ? t : 0, (reverse ? t : 0) + n, s)};
  for (const auto* x : {&a, &b})
    for (int i = 1; i <= t; ++i) in.push_back(step_view(*x, i));
  if (check) in.push_back(slice_axis(y, axis, reverse ? 0 : t, (reverse ? 0 : t) + n, s));
  ++refine_counts().sweeps;
  return check ? run_fused<sweep_check>(in, s) : run_fused<sweep>(in, s);
}

// As one_sweep for t = 1 with the product as its own kernel.
std::vector<mx::array> one_step_apart(const mx::array& y, const mx::array& a, const mx::array& b, int axis,
                                      bool reverse, int lost, bool check, mx::Stream s) {
  const int n = y.shape(axis) - 1;
  const int first = reverse ? 0 : lost + 1;
  auto v = slice_axis(y, axis, reverse ? 1 : 0, (reverse ? 1 : 0) + n, s);
  std::vector<mx::array> in = {mx::multiply(v, slice_axis(a, axis, first, first + n, s), s),
                               slice_axis(b, axis, first, first + n, s)};
  if (check) in.push_back(slice_axis(y, axis, reverse ? 0 : 1, (reverse ? 0 : 1) + n, s));
  ++refine_counts().sweeps;
  return check ? run_fused<sum_check>(in, s) : run_fused<sum>(in, s);
}

}  // namespace

RefineCounts& refine_counts() {
  thread_local RefineCounts counts;
  return counts;
}

bool refine_fuses_products(float keep) { return exact_products(keep); }

Refined refine_steps(const mx::array& y0, const mx::array& a, const mx::array& b, int axis, bool reverse, float keep,
                     int steps, mx::Stream s) {
  const bool fuse_product = exact_products(keep);
  if (steps < 1) throw std::invalid_argument("[depth.spatial] refine_steps: steps must be >= 1");
  mx::array y = y0, changed = mx::array(false);
  int lost = 0;
  while (lost < steps) {
    const int t = fuse_product ? std::min(kStepsPerSweep, steps - lost) : 1;
    const bool check = lost + t == steps;
    auto out = fuse_product ? one_sweep(y, a, b, axis, reverse, lost, t, check, s)
                            : one_step_apart(y, a, b, axis, reverse, lost, check, s);
    y = out[0];
    if (check) changed = out[1];
    lost += t;
  }
  ++refine_counts().calls;
  return {y, changed};
}

mx::array refine_recurrence(const mx::array& y0, const mx::array& a, const mx::array& b, int axis, bool reverse,
                            float keep, int margin, mx::Stream s) {
  const int len = y0.shape(axis);
  if (margin < 1) throw std::invalid_argument("[depth.spatial] refine_recurrence: margin must be >= 1");
  const int chunk = std::min(margin, kStepsPerCheck);
  // y covers all L samples before each chunk: the chunk loses its first `chunk` samples in scan
  // order, which are resets (a = 0, so their value is b) and are put back from b.
  mx::array y = y0;
  for (;;) {
    auto r = refine_steps(y, a, b, axis, reverse, keep, chunk, s);
    auto any_changed = mx::any(r.changed, false, s);
    portable_sync({any_changed, r.y});
    if (!any_changed.item<bool>()) {
      y = r.y;
      break;
    }
    y = reverse ? mx::concatenate({r.y, slice_axis(b, axis, len - chunk, len, s)}, axis, s)
                : mx::concatenate({slice_axis(b, axis, 0, chunk, s), r.y}, axis, s);
  }
  // y covers [chunk, L) forward, [0, L - chunk) reverse.
  return reverse ? slice_axis(y, axis, 0, len - margin, s) : slice_axis(y, axis, margin - chunk, len - chunk, s);
}

}  // namespace robomlx::depth::detail
