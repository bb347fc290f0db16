// SPDX-License-Identifier: Apache-2.0
// Internal: log-depth scans along one axis for the portable paths of the depth filters.
//
// affine_scan evaluates a first-order linear recurrence y_k = a_k * y_{k-1} + b_k on every line
// at once. It is a Hillis-Steele scan over the affine maps y -> a y + b, whose composition is
// associative: (a2, b2) o (a1, b1) = (a2 a1, a2 b1 + b2). Each step composes `t` maps spaced by
// the window the previous steps already cover, so a line of n samples takes ceil(log_T n) steps
// (T = the most taps per step), each one fused kernel. Steps work on shifted views and shrink the
// array instead of padding it again: the caller places the zeros the windows reach into once.
#pragma once

#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

namespace robomlx::depth::detail {

namespace mx = mlx::core;

/// Taps of each step for lines of n samples: product >= n, each at most kMaxScanTaps (empty for
/// n <= 1).
std::vector<int> scan_taps(int n);
/// product(taps) - 1: the samples a window reaches before (after, for a reverse scan) a line.
int scan_pad(const std::vector<int>& taps);

/// a, b: float32, same shape, L samples along `axis`, finite, b >= 0. Returns L - scan_pad(taps)
/// samples: output i is the composition of the maps at the prod(taps) samples ending at input
/// i + pad (forward: the newest is i + pad, the oldest i), or starting at input i (reverse: the
/// newest is i, the oldest i + pad). That is the recurrence's y wherever the window holds a
/// reset (a = 0), e.g. when each line starts with a = 0 and at most prod(taps) samples precede any
/// output in it. raw: the output's shape; where raw is not a positive finite number (holes, NaN,
/// inf) the output is raw itself, so such samples enter with b = 0 and a = 0 (and reset the next
/// one). Float rounding differs from the sequential loop (sums in tree order): refine_recurrence
/// below turns the result into the sequential one.
mx::array affine_scan(const mx::array& a, const mx::array& b, const mx::array& raw, int axis, bool reverse,
                      const std::vector<int>& taps, mx::Stream s);

/// The recurrence the spatial filter's float passes run, in the form the refinement sweeps:
///   y_k = fl(b_k + fl(y_{k-1} * a_k))   (k ascending; descending if reverse),
/// a_k = keep where sample k blends, else 0, and then b_k is the sample's own (raw) value: with
/// y_{k-1} finite and >= 0, y_{k-1} * 0 = +0 and b_k + 0 = b_k, so a reset takes no select. That
/// needs y0, b finite and >= 0: the spatial filter passes holes, negative and non-finite samples
/// as +0 (they never blend and never let a neighbour blend either way) and restores them at its
/// end. a, b, y0: same shape, L samples along `axis`, a holds 0 or `keep`.
///
/// refine_steps turns an approximate solution y0 (affine_scan's) into the float32 result of the
/// sequential loop by `steps` steps of sweeps (line_scan_refine.cpp says why that is exact once a
/// sweep changes no bit), without a host sync. The first `steps` + 1 samples in scan order (the
/// first ones forward, the last ones reverse) must have a = 0: sweeps shrink the line at that end.
/// Returns the other L - steps samples and `changed`, true where the last sweep changed a sample:
/// nowhere true means the result is exact.
struct Refined {
  mx::array y, changed;
};
Refined refine_steps(const mx::array& y0, const mx::array& a, const mx::array& b, int axis, bool reverse, float keep,
                     int steps, mx::Stream s);

/// Whether sweeps fuse several steps per kernel for this `keep` (its products are exact, so a
/// contracted fma rounds as the loop does); otherwise each step is two kernels.
bool refine_fuses_products(float keep);

/// As refine_steps, but sweeps until one changes no bit, testing that with one reduction and a host
/// sync every few steps; the first margin + 1 samples in scan order must have a = 0. Returns the
/// other L - margin samples.
mx::array refine_recurrence(const mx::array& y0, const mx::array& a, const mx::array& b, int axis, bool reverse,
                            float keep, int margin, mx::Stream s);

/// What the refinement ran on this thread: calls and sweeps (its host syncs: portable_syncs()).
struct RefineCounts {
  long calls = 0, sweeps = 0;
};
RefineCounts& refine_counts();

/// mx::slice of [start, stop) along one axis.
mx::array slice_axis(const mx::array& x, int axis, int start, int stop, mx::Stream s);

}  // namespace robomlx::depth::detail
