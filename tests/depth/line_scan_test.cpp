// SPDX-License-Identifier: Apache-2.0
// The log-depth affine scan behind the spatial filter's portable path against a plain sequential
// loop in float64: both directions and axes, widths around the step sizes (1, 2, 7..9, 63..65,
// 640, 5000), lines with no reset but the first sample, alternating resets, random resets, and
// samples that pass through raw (holes, NaN, inf).
//
// refine_recurrence against a plain float32 loop of the same recurrence, bit for bit, from a start
// a few ulps off (the float64 result) and from a bad one (raw), with a margin shorter than a fused
// sweep and one longer than a checked chunk, for each kind of keep (a power of two: fused 5-step
// sweeps; not one: one step per sweep; 0), on both streams. refine_steps: enough steps give the
// same result and no changed sample; too few from the bad start leave changed samples, which is
// what the spatial filter's speculative sweeps check.
//
// Tolerance: every output is a sum of non-negative terms, which the scan adds in a tree of at
// most 3 levels per step (taps <= 8), each a multiply + add, with the weights' products rounded
// once per level too: at most ~3 roundings per level, 45 for 5000 samples (5 steps), so the float32
// error is below 45 x 2^-24 = 2.7e-6 relative. Checked at rel 3e-6 against float64 (worst seen:
// 2.3e-7), on the default stream (fused kernels) and on a second stream (op by op).
#include <cmath>
#include <cstring>
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

// Lines for the refinement: `margin` resets (zeros) first in scan order, then n samples that blend
// with probability 0.9 (a = keep, b = fl(alpha x)) or are resets (a = 0, b = x); some resets are
// holes, NaN, inf or negative, which the spatial filter passes as +0 (never followed by a blend).
struct Recurrence {
  int count = 3, len = 0;
  std::vector<float> a, b, raw;  // raw: what the filter passes (specials as +0)
};

Recurrence make_recurrence(int n, int margin, float keep, bool reverse, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(1.0f, 4000.0f);
  std::bernoulli_distribution blend(0.9), special(0.02);
  const float specials[] = {0.0f, -0.0f, -5.0f, NAN, INFINITY};
  const float alpha = 1.0f - keep;
  Recurrence r;
  r.len = n + margin;
  for (int c = 0; c < r.count; ++c) {
    std::vector<float> a(r.len, 0.0f), b(r.len, 0.0f), raw(r.len, 0.0f);
    bool after_special = true;
    for (int i = margin; i < r.len; ++i) {  // scan order
      const int k = reverse ? r.len - 1 - i : i;
      raw[k] = value(rng);
      const bool blends = i > margin && !after_special && blend(rng);
      after_special = !blends && special(rng);
      if (after_special) {
        const float x = specials[rng() % 5];
        raw[k] = x > 0.0f && x < INFINITY ? x : 0.0f;
      }
      a[k] = blends ? keep : 0.0f;
      b[k] = blends ? raw[k] * alpha : raw[k];
    }
    r.a.insert(r.a.end(), a.begin(), a.end());
    r.b.insert(r.b.end(), b.begin(), b.end());
    r.raw.insert(r.raw.end(), raw.begin(), raw.end());
  }
  return r;
}

// The recurrence in scan order, in float32 (want) or float64 (a start a few ulps off).
template <typename T>
std::vector<float> run_recurrence(const Recurrence& r, bool reverse) {
  std::vector<float> y(r.a.size());
  for (int c = 0; c < r.count; ++c) {
    T state = 0;
    for (int i = 0; i < r.len; ++i) {
      const int k = c * r.len + (reverse ? r.len - 1 - i : i);
      volatile T product = state * T(r.a[k]);  // rounded on its own: no contraction into an fma
      state = r.a[k] > 0 ? T(r.b[k]) + product : T(r.raw[k]);
      y[k] = static_cast<float>(state);
    }
  }
  return y;
}

// Mismatches of y [count, n] (lines along `axis`) against want (scan order with the margin).
int count_bad(mx::array y, int axis, const Recurrence& r, const std::vector<float>& want, int n, int margin,
              bool reverse, const std::string& what) {
  if (axis == 0) y = mx::transpose(y);
  y = mx::contiguous(y);
  mx::eval(y);
  EXPECT_EQ(y.shape(1), n) << what;
  int bad = 0;
  for (int c = 0; c < r.count; ++c) {
    for (int i = 0; i < n; ++i) {
      const float got = y.data<float>()[c * n + i];
      const float w = want[c * r.len + (reverse ? i : margin + i)];
      if (std::memcmp(&got, &w, sizeof got) != 0 && bad++ < 3)
        ADD_FAILURE() << what << " line " << c << " sample " << i << ": got " << got << " want " << w;
    }
  }
  return bad;
}

TEST(LineScan, RefineReachesTheSequentialFloat32Result) {
  const mx::Stream streams[] = {mx::default_stream(mx::default_device()), mx::new_stream(mx::default_device())};
  unsigned seed = 5;
  for (float keep : {0.5f, 0.25f, 0.0f, 1.0f - 0.4f, 0.75f}) {
    for (int n : {1, 2, 65, 700}) {
      for (int margin : {3, 24}) {
        for (bool reverse : {false, true}) {
          const Recurrence r = make_recurrence(n, margin, keep, reverse, seed++);
          const auto want = run_recurrence<float>(r, reverse);
          for (bool bad_start : {false, true}) {
            for (int axis : {0, 1}) {
              for (const auto& s : streams) {
                if (axis == 0 && s.index != streams[0].index) continue;  // op by op: one layout is enough
                auto lines = [&](const std::vector<float>& v) {
                  auto x = mx::array(v.data(), {r.count, r.len}, mx::float32);
                  return axis == 0 ? mx::transpose(x) : x;
                };
                auto y0 = lines(bad_start ? r.raw : run_recurrence<double>(r, reverse));
                auto y = detail::refine_recurrence(y0, lines(r.a), lines(r.b), axis, reverse, keep, margin, s);
                count_bad(y, axis, r, want, n, margin, reverse,
                          "keep=" + std::to_string(keep) + " n=" + std::to_string(n) + " margin=" +
                              std::to_string(margin) + " reverse=" + std::to_string(reverse) + " bad_start=" +
                              std::to_string(bad_start) + " axis=" + std::to_string(axis) + " stream=" +
                              std::to_string(s.index));
              }
            }
          }
        }
      }
    }
  }
}

// The speculative form: a fixed number of steps with no sync. From the float64 start, 30 steps
// settle every line (the last sweep changes nothing and the result is exact); from raw, a 700-
// sample line of 0.9 blends needs far more, so the last sweep still changes samples.
TEST(LineScan, RefineStepsReportsWhetherItSettled) {
  unsigned seed = 77;
  for (float keep : {0.5f, 0.75f}) {
    for (bool reverse : {false, true}) {
      const int n = 700, margin = 30;
      const Recurrence r = make_recurrence(n, margin, keep, reverse, seed++);
      const auto want = run_recurrence<float>(r, reverse);
      auto lines = [&](const std::vector<float>& v) { return mx::array(v.data(), {r.count, r.len}, mx::float32); };
      const std::string what = "keep=" + std::to_string(keep) + " reverse=" + std::to_string(reverse);
      auto good = detail::refine_steps(lines(run_recurrence<double>(r, reverse)), lines(r.a), lines(r.b), 1, reverse,
                                       keep, margin, mx::default_stream(mx::default_device()));
      EXPECT_FALSE(mx::any(good.changed).item<bool>()) << what;
      EXPECT_EQ(count_bad(good.y, 1, r, want, n, margin, reverse, what), 0);
      auto bad = detail::refine_steps(lines(r.raw), lines(r.a), lines(r.b), 1, reverse, keep, margin,
                                      mx::default_stream(mx::default_device()));
      EXPECT_TRUE(mx::any(bad.changed).item<bool>()) << what;
    }
  }
}

}  // namespace
}  // namespace robomlx::depth
