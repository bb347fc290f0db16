// SPDX-License-Identifier: Apache-2.0
// The log-depth affine scan behind the spatial filter's portable path against a plain sequential
// loop in float64: both directions and axes, widths around the step sizes (1, 2, 7..9, 63..65,
// 640, 5000), lines with no reset but the first sample, alternating resets, random resets, and
// samples that pass through raw (holes, NaN, inf).
//
// Tolerance: every output is a sum of non-negative terms, which the scan adds in a tree of at
// most 3 levels per step (taps <= 8), each a multiply + add, with the weights' products rounded
// once per level too: at most ~3 roundings per level, 45 for 5000 samples (5 steps), so the float32
// error is below 45 x 2^-24 = 2.7e-6 relative. Checked at rel 3e-6 against float64 (worst seen:
// 2.3e-7), on the default stream (fused kernels) and on a second stream (op by op).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/depth/line_scan_internal.h"

namespace robomlx::depth {
namespace {

namespace mx = mlx::core;
using detail::affine_scan;
using detail::scan_pad;
using detail::scan_taps;

enum class Pattern { random_resets, one_reset, alternating };

struct Lines {
  int count = 3, n = 0;
  std::vector<float> a, b, raw;  // [count][n]
};

Lines make_lines(int n, Pattern p, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> keep(0.0f, 0.75f), value(1.0f, 4000.0f);
  std::bernoulli_distribution reset(0.1);
  Lines l;
  l.n = n;
  for (int c = 0; c < l.count; ++c) {
    for (int k = 0; k < n; ++k) {
      bool r = k == 0 || (p == Pattern::alternating && k % 2 == 0) || (p == Pattern::random_resets && reset(rng));
      // One line keeps a = 1 (plain prefix sums), the longest chains of all.
      float a = r ? 0.0f : (c == 2 && p == Pattern::one_reset ? 1.0f : keep(rng));
      l.a.push_back(a);
      l.b.push_back(value(rng));
      l.raw.push_back(1.0f);
    }
  }
  return l;
}

// Sequential float64 reference, forward (k ascending) or reverse.
std::vector<double> reference(const Lines& l, bool reverse) {
  std::vector<double> y(l.a.size());
  for (int c = 0; c < l.count; ++c) {
    double state = 0;
    for (int i = 0; i < l.n; ++i) {
      int k = c * l.n + (reverse ? l.n - 1 - i : i);
      state = double(l.a[k]) * state + double(l.b[k]);
      y[k] = l.raw[k] > 0 && std::isfinite(l.raw[k]) ? state : l.raw[k];
    }
  }
  return y;
}

// Lays the lines along `axis` with the scan's zeros before (forward) or after (reverse) them and
// returns the scan as float32 in [count][n] order.
std::vector<float> scan_lines(const Lines& l, int axis, bool reverse, mx::Stream s) {
  const auto taps = scan_taps(l.n);
  const int pad = scan_pad(taps), len = l.n + pad;
  auto padded = [&](const std::vector<float>& v) {
    auto x = mx::array(v.data(), {l.count, l.n}, mx::float32);
    x = mx::pad(x, {{0, 0}, reverse ? std::pair{0, pad} : std::pair{pad, 0}}, mx::array(0.0f));
    return axis == 0 ? mx::transpose(x) : x;  // [len, count] when scanning axis 0
  };
  auto raw = mx::array(l.raw.data(), {l.count, l.n}, mx::float32);
  if (axis == 0) raw = mx::transpose(raw);
  auto y = affine_scan(padded(l.a), padded(l.b), raw, axis, reverse, taps, s);
  EXPECT_EQ(y.shape(axis), len - pad);
  if (axis == 0) y = mx::transpose(y);
  y = mx::contiguous(y);
  mx::eval(y);
  return std::vector<float>(y.data<float>(), y.data<float>() + y.size());
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool exact = !std::isfinite(want[i]) || want[i] <= 0;  // raw samples: as they were
    bool same = std::isnan(want[i]) ? std::isnan(got[i])
                : exact             ? got[i] == want[i] && std::signbit(got[i]) == std::signbit(want[i])
                                    : std::abs(double(got[i]) - want[i]) <= 3e-6 * want[i];
    if (!same && bad++ < 3) ADD_FAILURE() << what << " at " << i << ": got " << got[i] << " want " << want[i];
  }
  EXPECT_EQ(bad, 0) << what;
}

TEST(LineScan, TapsCoverTheLine) {
  EXPECT_TRUE(scan_taps(1).empty());
  for (int n : {2, 3, 8, 9, 64, 65, 360, 640, 5000}) {
    const auto taps = scan_taps(n);
    EXPECT_GE(scan_pad(taps) + 1, n) << n;
    for (int t : taps) EXPECT_LE(t, 8) << n;
  }
  EXPECT_EQ(scan_taps(640), (std::vector<int>{4, 4, 5, 8}));
  EXPECT_EQ(scan_taps(360), (std::vector<int>{6, 8, 8}));
  EXPECT_EQ(scan_taps(9), (std::vector<int>{3, 3}));
}

TEST(LineScan, MatchesSequentialLoop) {
  const mx::Stream streams[] = {mx::default_stream(mx::default_device()), mx::new_stream(mx::default_device())};
  unsigned seed = 1;
  for (int n : {1, 2, 7, 8, 9, 63, 64, 65, 640, 5000}) {
    for (Pattern p : {Pattern::random_resets, Pattern::one_reset, Pattern::alternating}) {
      Lines l = make_lines(n, p, seed++);
      for (int axis : {0, 1}) {
        for (bool reverse : {false, true}) {
          for (const auto& s : streams) {
            const std::string what = "n=" + std::to_string(n) + " pattern=" + std::to_string(int(p)) +
                                     " axis=" + std::to_string(axis) + (reverse ? " reverse" : " forward") +
                                     " stream=" + std::to_string(s.index);
            expect_close(scan_lines(l, axis, reverse, s), reference(l, reverse), what);
          }
        }
      }
    }
  }
}

// Holes, NaN and inf come back as they are and leak into nothing after them. The caller gives
// them a = b = 0 and a = 0 to the next sample in scan order, as the spatial filter's edge test
// does (neither a hole nor a non-finite value blends).
TEST(LineScan, RawSamplesPassThrough) {
  const float specials[] = {0.0f, -0.0f, -5.0f, NAN, INFINITY, -INFINITY};
  for (bool reverse : {false, true}) {
    Lines l = make_lines(40, Pattern::one_reset, 99);
    for (int c = 0; c < l.count; ++c) {
      for (int j = 0; j < 6; ++j) {
        int k = c * l.n + 3 + 6 * j;
        l.raw[k] = specials[j];
        l.a[k] = l.b[k] = 0.0f;
        l.a[reverse ? k - 1 : k + 1] = 0.0f;
      }
    }
    expect_close(scan_lines(l, 1, reverse, mx::default_stream(mx::default_device())), reference(l, reverse),
                 reverse ? "reverse" : "forward");
  }
}

}  // namespace
}  // namespace robomlx::depth
