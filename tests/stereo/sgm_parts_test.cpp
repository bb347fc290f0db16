// SPDX-License-Identifier: Apache-2.0
// SGM building blocks (portable path, on the suite's default stream; the CPU twins' census on
// the host) against plain-loop references written from the definitions in
// src/robomlx/stereo/sgm_internal.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/stereo/sgm_cpu_internal.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

namespace d = detail;

// The parts take the resolved stream; these tests run them where the suite runs.
mx::Stream suite_stream() { return mx::default_stream(mx::default_device()); }

std::vector<float> random_levels(int n, int levels, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = float(rng() % levels);
  return v;
}

template <class T>
std::vector<T> host(const mx::array& a) {
  auto c = mx::contiguous(a);
  mx::eval(c);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

std::uint64_t census_ref(const std::vector<float>& img, int h, int w, int y, int x, int cw, int ch) {
  std::uint64_t bits = 0;
  int b = 0;
  for (int dy = -(ch / 2); dy <= ch / 2; ++dy)
    for (int dx = -(cw / 2); dx <= cw / 2; ++dx) {
      if (dy == 0 && dx == 0) continue;
      const int yy = std::clamp(y + dy, 0, h - 1), xx = std::clamp(x + dx, 0, w - 1);
      if (img[yy * w + xx] < img[y * w + x]) bits |= std::uint64_t(1) << b;
      ++b;
    }
  return bits;
}

TEST(SgmParts, CensusMatchesLoop) {
  const int h = 11, w = 14;
  auto img = random_levels(h * w, 5, 1);  // few levels: ties must give 0 bits
  for (auto [cw, ch] : {std::pair{9, 7}, std::pair{5, 5}, std::pair{3, 1}}) {
    auto got = host<std::uint64_t>(d::census_transform(mx::array(img.data(), {h, w}), cw, ch, suite_stream()));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) ASSERT_EQ(got[y * w + x], census_ref(img, h, w, y, x, cw, ch)) << cw << "x" << ch;
  }
}

// The CPU twins' census (AVX2 blocks of 8 pixels + generic tail): widths around the block size,
// few grey levels for ties, fractional values and a NaN (compares false).
TEST(SgmParts, CpuCensusMatchesLoop) {
  for (int w : {1, 7, 8, 13, 35}) {
    const int h = 6;
    auto img = random_levels(h * w, 4, w);
    for (std::size_t i = 0; i < img.size(); i += 5) img[i] += 0.5f;
    img[img.size() / 2] = std::nanf("");
    for (auto [cw, ch] : {std::pair{9, 7}, std::pair{5, 5}, std::pair{3, 1}, std::pair{1, 3}}) {
      std::vector<std::uint64_t> got(img.size());
      d::census_rows(img.data(), h, w, cw, ch, got.data(), 0, h);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          ASSERT_EQ(got[y * w + x], census_ref(img, h, w, y, x, cw, ch)) << w << " " << cw << "x" << ch;
    }
  }
}

TEST(SgmParts, PopcountMatchesBuiltin) {
  std::mt19937_64 rng(3);
  std::vector<std::uint64_t> v(1000);
  for (auto& x : v) x = rng() >> (rng() % 64);
  v[0] = 0;
  v[1] = ~std::uint64_t(0);
  auto got = host<std::uint8_t>(d::popcount64(mx::array(v.data(), {1000}, mx::uint64), suite_stream()));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(int(got[i]), __builtin_popcountll(v[i])) << i;
}

TEST(SgmParts, CostVolumeMatchesLoop) {
  const int h = 6, w = 17;
  auto l = random_levels(h * w, 200, 4), r = random_levels(h * w, 200, 5);
  for (auto kind : {d::CostKind::census, d::CostKind::ad_census}) {
    d::CoreParams p;
    p.min_d = 2;
    p.num_d = 7;
    p.cost = kind;
    p.census_w = 5;
    p.census_h = 3;
    // One chunk of disparities, then chunks of 3, 3 and 1.
    for (std::int64_t chunk : {std::int64_t(1) << 25, std::int64_t(3 * h * w)}) {
      auto got = host<int>(mx::astype(d::cost_volume(mx::array(l.data(), {h, w}), mx::array(r.data(), {h, w}), p,
                                                     suite_stream(), chunk),
                                      mx::int32));
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int k = 0; k < p.num_d; ++k) {
            const int xr = x - p.min_d - k;
            int want = d::cost_max(p);
            if (xr >= 0) {
              want = __builtin_popcountll(census_ref(l, h, w, y, x, 5, 3) ^ census_ref(r, h, w, y, xr, 5, 3));
              if (kind == d::CostKind::ad_census) want += int(std::min(std::abs(l[y * w + x] - r[y * w + xr]), 30.f)) / 2;
            }
            ASSERT_EQ(got[(y * w + x) * p.num_d + k], want) << y << "," << x << "," << k << " chunk " << chunk;
          }
    }
  }
}

// L_r by the textbook recurrence, visiting pixels so that p - r always comes first.
std::vector<int> path_ref(const std::vector<int>& c, int h, int w, int nd, int dx, int dy, int p1, int p2) {
  std::vector<int> l(c.size());
  for (int i = 0; i < h; ++i) {
    const int y = dy >= 0 ? i : h - 1 - i;
    for (int j = 0; j < w; ++j) {
      const int x = dx >= 0 ? j : w - 1 - j;
      const int py = y - dy, px = x - dx;
      const int* cp = &c[(y * w + x) * nd];
      int* lp = &l[(y * w + x) * nd];
      if (py < 0 || py >= h || px < 0 || px >= w) {
        std::copy(cp, cp + nd, lp);
        continue;
      }
      const int* prev = &l[(py * w + px) * nd];
      const int m = *std::min_element(prev, prev + nd);
      for (int k = 0; k < nd; ++k) {
        int best = std::min(prev[k], m + p2);
        if (k > 0) best = std::min(best, prev[k - 1] + p1);
        if (k + 1 < nd) best = std::min(best, prev[k + 1] + p1);
        lp[k] = cp[k] + best - m;
      }
    }
  }
  return l;
}

std::vector<int> paths_sum_ref(const std::vector<int>& c, int h, int w, int nd, int paths, int p1, int p2) {
  const int dirs[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
  std::vector<int> sum(c.size(), 0);
  for (int r = 0; r < paths; ++r) {
    auto l = path_ref(c, h, w, nd, dirs[r][0], dirs[r][1], p1, p2);
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += l[i];
  }
  return sum;
}

// The batched sweep against the plain loops: wide and tall (the rows or the transposed columns
// finish first), odd and even sizes, a single row, column or disparity, and the largest P1 and P2
// (the int16 bound of the sum).
TEST(SgmParts, BatchedAggregationMatchesLoops) {
  struct Case {
    int h, w, nd, p1, p2;
  };
  const Case cases[] = {{5, 7, 6, 7, 40},  {7, 3, 5, 6, 50},  {1, 9, 4, 3, 20},   {9, 1, 3, 5, 30},
                        {4, 13, 1, 2, 9},  {2, 2, 2, 4, 16},  {11, 6, 9, 0, 0},   {6, 10, 7, 1000, 4000},
                        {8, 8, 12, 10, 120}, {13, 29, 11, 10, 120}, {29, 13, 11, 10, 120},
                        // Longer sweeps (72, 73 steps): one part runs alone for the last 30, 32.
                        {40, 71, 5, 10, 120}, {71, 40, 5, 10, 120}};
  unsigned seed = 20;
  for (const auto& k : cases) {
    std::mt19937 rng(++seed);
    std::vector<int> c(std::size_t(k.h) * k.w * k.nd);
    for (auto& v : c) v = int(rng() % 64);
    auto ca = mx::array(c.data(), {k.h, k.w, k.nd}, mx::int32);
    for (int paths : {4, 8}) {
      d::CoreParams p;
      p.paths = paths;
      p.p1 = k.p1;
      p.p2 = k.p2;
      auto got = d::aggregate_paths(ca, p, suite_stream());
      ASSERT_EQ(got.dtype(), mx::int16);
      ASSERT_EQ(got.shape(), (mx::Shape{k.h, k.w, k.nd}));
      EXPECT_EQ(host<int>(mx::astype(got, mx::int32)), paths_sum_ref(c, k.h, k.w, k.nd, paths, k.p1, k.p2))
          << k.h << "x" << k.w << " D=" << k.nd << " " << paths << " paths";
    }
  }
}

TEST(SgmParts, AllPathsSumMatchesLoops) {
  const int h = 6, w = 9, nd = 5;
  std::mt19937 rng(8);
  std::vector<int> c(h * w * nd);
  for (auto& v : c) v = int(rng() % 64);
  auto ca = mx::array(c.data(), {h, w, nd}, mx::int32);
  for (int paths : {4, 8}) {
    d::CoreParams p;
    p.paths = paths;
    p.p1 = 6;
    p.p2 = 50;
    std::vector<int> want(c.size(), 0);
    const int dirs[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    for (int r = 0; r < paths; ++r) {
      auto l = path_ref(c, h, w, nd, dirs[r][0], dirs[r][1], p.p1, p.p2);
      for (std::size_t i = 0; i < want.size(); ++i) want[i] += l[i];
    }
    auto got = d::aggregate_paths(ca, p, suite_stream());
    EXPECT_EQ(got.dtype(), mx::int16);
    EXPECT_EQ(host<int>(mx::astype(got, mx::int32)), want) << paths << " paths";
  }
}

// Selection reference: WTA, uniqueness, parabola, LR check, confidence (sgm_select.cpp).
void select_ref(const std::vector<int>& s, int h, int w, int nd, const d::CoreParams& p, std::vector<float>& disp,
                std::vector<float>& conf) {
  disp.assign(h * w, -1.f);
  conf.assign(h * w, 0.f);
  auto at = [&](int y, int x, int k) { return s[(y * w + x) * nd + k]; };
  for (int y = 0; y < h; ++y) {
    std::vector<int> kr(w, 0);
    for (int xr = 0; xr < w; ++xr) {
      int best = -1;
      for (int k = 0; k < nd && xr + p.min_d + k < w; ++k)
        if (best < 0 || at(y, xr + p.min_d + k, k) < at(y, xr + p.min_d + best, best)) best = k;
      kr[xr] = std::max(best, 0);
    }
    for (int x = 0; x < w; ++x) {
      int k1 = 0;
      for (int k = 0; k < nd; ++k)
        if (at(y, x, k) < at(y, x, k1)) k1 = k;
      long s2 = -1;
      for (int k = 0; k < nd; ++k)
        if (std::abs(k - k1) > 1 && (s2 < 0 || at(y, x, k) < s2)) s2 = at(y, x, k);
      const float s1 = float(at(y, x, k1));
      bool ok = p.uniqueness <= 0 || s2 < 0 || float(s2) * (100.f - p.uniqueness) >= s1 * 100.f;
      float dv = float(p.min_d + k1);
      if (p.subpixel && k1 > 0 && k1 < nd - 1) {
        const float a = float(at(y, x, k1 - 1)), b = float(at(y, x, k1 + 1)), den = a + b - 2.f * s1;
        if (den > 0) dv += (a - b) / (2.f * den);
      }
      const int xm = x - p.min_d - k1;
      if (p.lr_max_diff >= 0) ok = ok && xm >= 0 && std::abs(kr[xm] - k1) <= p.lr_max_diff;
      if (!ok) continue;
      disp[y * w + x] = dv;
      conf[y * w + x] = s2 < 0 ? 1.f : s2 == 0 ? 0.f : (float(s2) - s1) / float(s2);
    }
  }
}

// w = 6 < nd: every right column's costs run past the image (the LR check's padded views only).
// On the default stream the [H, W] steps run fused (mx::compile), on another op by op.
TEST(SgmParts, SelectionMatchesLoop) {
  const auto other = mx::new_stream(suite_stream().device);
  for (const auto stream : {suite_stream(), other})
  for (const int w : {23, 6}) {
    const int h = 4, nd = 9;
    std::mt19937 rng(11);
    std::vector<int> s(h * w * nd);
    for (auto& v : s) v = int(rng() % 300);
    for (int i = 0; i < h * w; i += 5) s[i * nd + 4] = 0;  // some clear winners
    auto sa = mx::array(s.data(), {h, w, nd}, mx::int32);
    for (int lr : {-1, 0, 2})
      for (float u : {0.f, 15.f})
        for (int min_d : {0, 3}) {
          d::CoreParams p;
          p.min_d = min_d;
          p.num_d = nd;
          p.lr_max_diff = lr;
          p.uniqueness = u;
          SCOPED_TRACE("w " + std::to_string(w) + (stream == other ? ", op by op" : ", fused"));
          auto out = d::select_disparity(sa, p, stream);
          std::vector<float> wd, wc;
          select_ref(s, h, w, nd, p, wd, wc);
          auto sd = mx::array(wd.data(), {h, w}), sc = mx::array(wc.data(), {h, w});
          EXPECT_CLOSE(allclose_scaled(out[0], sd, 0, 1e-5));
          EXPECT_CLOSE(allclose_scaled(out[1], sc, 0, 1e-6));
        }
  }
}

TEST(SgmParts, ParabolaPeakOnKnownCurve) {
  // S(k) = 4 (k - 3.3)^2 sampled at integers around the minimum: the fit recovers 3.3 exactly.
  d::CoreParams p;
  p.num_d = 8;
  p.lr_max_diff = -1;
  p.uniqueness = 0;
  std::vector<int> s(8);
  for (int k = 0; k < 8; ++k) s[k] = int(std::lround(100 * (k - 3.3) * (k - 3.3)));
  auto out = d::select_disparity(mx::array(s.data(), {1, 1, 8}, mx::int32), p, suite_stream());
  // (S2 - S4) / (2 (S2 + S4 - 2 S3)) with S = {169, 9, 49} -> 3 + 120 / 400.
  EXPECT_NEAR(out[0].item<float>(), 3.3f, 1e-6);
}

// Median of the edge-clamped window, invalid (-1) values counted as numbers.
TEST(SgmParts, MedianMatchesLoop) {
  const int h = 7, w = 10;
  auto v = random_levels(h * w, 9, 12);
  for (std::size_t i = 0; i < v.size(); i += 4) v[i] = -1.f;
  for (int size : {3, 5}) {
    auto got = host<float>(d::median_filter(mx::array(v.data(), {h, w}), size, suite_stream()));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        std::vector<float> win;
        for (int dy = -size / 2; dy <= size / 2; ++dy)
          for (int dx = -size / 2; dx <= size / 2; ++dx)
            win.push_back(v[std::clamp(y + dy, 0, h - 1) * w + std::clamp(x + dx, 0, w - 1)]);
        std::nth_element(win.begin(), win.begin() + win.size() / 2, win.end());
        ASSERT_EQ(got[y * w + x], win[win.size() / 2]) << size << " at " << y << "," << x;
      }
  }
}

TEST(SgmParts, MedianAndSpeckle) {
  std::vector<float> v(5 * 5, 4.f);
  v[12] = 40.f;  // isolated spike: median removes it, speckle (window 1) invalidates it
  v[0] = -1.f;
  auto a = mx::array(v.data(), {5, 5});
  auto med = host<float>(d::median_filter(a, 3, suite_stream()));
  EXPECT_EQ(med[12], 4.f);
  EXPECT_EQ(med[0], 4.f);
  auto sp = host<float>(d::speckle_filter(a, 1, 2.f, suite_stream()));
  EXPECT_EQ(sp[12], -1.f);
  EXPECT_EQ(sp[0], -1.f);
  EXPECT_EQ(sp[6], 4.f);
  // The 23-pixel plateau survives window 22 and goes at window 23.
  EXPECT_EQ(host<float>(d::speckle_filter(a, 22, 2.f, suite_stream()))[6], 4.f);
  EXPECT_EQ(host<float>(d::speckle_filter(a, 23, 2.f, suite_stream()))[6], -1.f);
}

}  // namespace
}  // namespace robomlx::stereo
