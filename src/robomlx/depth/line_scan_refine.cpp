// SPDX-License-Identifier: Apache-2.0
// Exact refinement of affine_scan's result for the spatial filter (line_scan_internal.h).
//
// Why it is exact. The sequential pass computes y_k = F_k(y_{k-1}) with
// F_k(v) = a_k > 0 ? fl(b_k + fl(v a_k)) : raw_k, where b_k = fl(alpha x_k) and a_k = keep if
// sample k blends, else 0 (a reset: F_k is the constant raw_k). Its result is the only sequence
// with y_k = F_k(y_{k-1}) at every k: at a reset it is raw_k, and each later sample of the chain
// follows from the one before (induction from each chain start). A sweep applies the maps to the
// whole previous line at once, through views shifted by one sample: y'_k = F_k(y_{k-1}). Once a
// sweep changes no bit, its input satisfies the equation everywhere, so it IS the sequential
// result, bit for bit, whatever the start. Each sweep makes at least one more sample of every chain
// exact, so sweeps always end; starting from the scan, whose tree-order sums are off by a few ulps
// everywhere and whose differences shrink by keep per sample, they end once the longest run of
// such differences has died out (about log(samples) / log(1 / keep) steps).
//
// A sweep runs kStepsPerSweep maps per sample (y'_k = F_k(F_{k-1}(F_{k-2}(y_{k-3})))): the same
// float ops in the same order, three samples of progress per kernel. The fixed point argument is
// unchanged: a run of three maps that meets a reset starts from raw there.
//
// The test: samples that do not blend are raw in every sweep (and in y0), so only blending ones
// can change; comparing those as floats is bitwise (b > 0 there, so a zero's sign never shows,
// and NaN, which never compares equal, is never part of the fixed point). One reduction and a
// host sync take it every kStepsPerCheck steps.
//
// Rounding. A fused GPU kernel (and g++ or clang on Arm, or with -mfma; MLX's CPU kernels are
// g++ -O3 without it on x86-64) may contract b + v a into an fma, which rounds once instead of
// twice. So the product is fused only where it is exact: keep = 0 or a power of two (alpha 0.5,
// the default, and 0.75), for products that are normal floats (depth and disparity are);
// otherwise each sweep is one step, with the product its own kernel before the fused add and
// select. Streams other than the default one run op by op (run_fused), so nothing contracts.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/line_scan_internal.h"

namespace robomlx::depth::detail {

namespace {

// Steps per fused sweep: a step is 3 levels (multiply, add, select) and the check 2 more; MLX
// fuses at most 11 levels into one kernel, so 3 steps with the check is the most.
constexpr int kStepsPerSweep = 3;
// Steps between convergence checks (one reduction and a host sync each). The standard chain's
// passes are exact after 12-20 steps (4-7 sweeps), so at 12 the second check finds the fixed point,
// 8 sweeps in; fewer checks would run more sweeps past it (docs/results/2026-12-07-cpu-depth-exact).
constexpr int kStepsPerCheck = 12;

// One step on whole lines: a > 0 ? b + product : raw. Returns {y, a > 0}.
std::pair<mx::array, mx::array> step(const mx::array& a, const mx::array& b, const mx::array& product,
                                     const mx::array& raw, mx::StreamOrDevice s) {
  auto blends = mx::greater(a, mx::array(0.0f), s);
  return {mx::where(blends, mx::add(b, product, s), raw, s), blends};
}

// {v, a_1..a_t, b_1..b_t, raw_1..raw_t} -> {y, the last step's a > 0}: t steps of the recurrence
// from v, the previous sweep's line t samples behind y (oldest step first).
std::pair<mx::array, mx::array> steps(const std::vector<mx::array>& in, std::size_t t, mx::StreamOrDevice s) {
  std::pair<mx::array, mx::array> y = {in[0], in[0]};
  for (std::size_t i = 1; i <= t; ++i) y = step(in[i], in[t + i], mx::multiply(y.first, in[i], s), in[2 * t + i], s);
  return y;
}

std::vector<mx::array> sweep(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {steps(in, (in.size() - 1) / 3, s).first};
}

// As sweep, then {.., old} -> {y, changed}: old holds the previous sweep's value of each sample
// of y. Samples that do not blend are raw in every sweep, so only blending ones can change;
// comparing only those keeps NaN out (and y at the shallowest depth, so that a sweep of 3 steps
// stays one kernel: MLX fuses 11 levels).
std::vector<mx::array> sweep_check(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto [y, blends] = steps(in, (in.size() - 2) / 3, s);
  return {y, mx::logical_and(mx::not_equal(y, in.back(), s), blends, s)};
}

// One step with the product v a computed beforehand: {v a, a, b, raw(, old)}.
std::vector<mx::array> sum(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {step(in[1], in[2], in[0], in[3], s).first};
}

std::vector<mx::array> sum_check(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto [y, blends] = step(in[1], in[2], in[0], in[3], s);
  return {y, mx::logical_and(mx::not_equal(y, in[4], s), blends, s)};
}

bool exact_products(float keep) {
  int e = 0;
  return keep == 0.0f || std::frexp(keep, &e) == 0.5f;
}

}  // namespace

RefineCounts& refine_counts() {
  thread_local RefineCounts counts;
  return counts;
}

SyncProbe& sync_probe() {
  thread_local SyncProbe probe;
  return probe;
}

mx::array refine_recurrence(const mx::array& y0, const mx::array& a, const mx::array& b, const mx::array& raw,
                            int axis, bool reverse, float keep, int margin, mx::Stream s) {
  const int len = y0.shape(axis);
  const bool fuse_product = exact_products(keep);
  const int t = fuse_product ? kStepsPerSweep : 1, check_every = std::max(1, kStepsPerCheck / t);
  if (margin < t) throw std::invalid_argument("[depth.spatial] refine_recurrence: margin below one sweep");
  auto& counts = refine_counts();
  // y covers samples [lost, len) forward, [0, len - lost) reverse: a sweep loses the t samples at
  // the start of the scan order, whose predecessors it lacks.
  mx::array y = y0;
  int lost = 0, sweeps = 0;
  for (;;) {
    if (lost + t > margin) {  // the margin's resets are spent: put them back (they are raw)
      y = reverse ? mx::concatenate({y, slice_axis(raw, axis, len - lost, len, s)}, axis, s)
                  : mx::concatenate({slice_axis(raw, axis, 0, lost, s), y}, axis, s);
      lost = 0;
    }
    const int n = len - lost - t;  // samples the sweep yields
    // Step i (1..t) runs on the samples i - t before the ones the sweep yields (forward).
    auto step_view = [&](const mx::array& x, int i) {
      const int first = reverse ? t - i : lost + i;
      return slice_axis(x, axis, first, first + n, s);
    };
    std::vector<mx::array> in = {slice_axis(y, axis, reverse ? t : 0, (reverse ? t : 0) + n, s)};
    for (const auto* x : {&a, &b, &raw})
      for (int i = 1; i <= t; ++i) in.push_back(step_view(*x, i));
    if (!fuse_product) in[0] = mx::multiply(in[0], in[1], s);
    const bool check = (sweeps + 1) % check_every == 0;
    if (check) in.push_back(slice_axis(y, axis, reverse ? 0 : t, (reverse ? 0 : t) + n, s));
    auto out = check ? (fuse_product ? run_fused<sweep_check>(in, s) : run_fused<sum_check>(in, s))
                     : (fuse_product ? run_fused<sweep>(in, s) : run_fused<sum>(in, s));
    y = out[0];
    lost += t;
    ++sweeps;
    ++counts.sweeps;
    if (check) {
      ++counts.checks;
      auto any_changed = mx::any(out[1], false, s);
      if (const auto& probe = sync_probe()) probe({any_changed, y});
      mx::eval({any_changed, y});
      if (!any_changed.item<bool>()) break;
    }
  }
  ++counts.calls;
  return reverse ? slice_axis(y, axis, 0, len - margin, s) : slice_axis(y, axis, margin - lost, len - lost, s);
}

}  // namespace robomlx::depth::detail
