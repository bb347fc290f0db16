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
/// one). Float rounding differs from the sequential loop: sums are taken in tree order.
mx::array affine_scan(const mx::array& a, const mx::array& b, const mx::array& raw, int axis, bool reverse,
                      const std::vector<int>& taps, mx::Stream s);

/// mx::slice of [start, stop) along one axis.
mx::array slice_axis(const mx::array& x, int axis, int start, int stop, mx::Stream s);

}  // namespace robomlx::depth::detail
