// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/sparse/point_conv.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

std::vector<float> random_vec(int n, unsigned seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

template <typename T>
std::vector<T> host(const mx::array& a) {
  auto c = mx::astype(a, mx::TypeToDtype<T>());
  mx::eval(c);
  const T* p = c.template data<T>();
  return std::vector<T>(p, p + c.size());
}

TEST(PointConv, TripletsMatchLoop) {
  int n = 300, m = 80, ks = 3;
  float r = 0.45f;
  auto pin = random_vec(3 * n, 1), pout = random_vec(3 * m, 2);
  std::vector<int> bin(n), bout(m);
  for (int j = 0; j < n; ++j) bin[j] = j % 2;
  for (int i = 0; i < m; ++i) bout[i] = i % 2;
  TripletOptions opts;
  opts.radius = r;
  opts.kernel_size = ks;
  auto t = build_triplets(mx::array(pin.data(), {n, 3}), mx::array(pout.data(), {m, 3}), opts,
                          mx::array(bin.data(), {n}), mx::array(bout.data(), {m}));
  EXPECT_EQ(t.num_taps, 27);
  std::vector<std::tuple<int, int, int>> want, got;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float d[3], d2 = 0;
      for (int a = 0; a < 3; ++a) d[a] = pin[3 * j + a] - pout[3 * i + a];
      d2 = (d[0] * d[0] + d[1] * d[1]) + d[2] * d[2];
      if (bin[j] != bout[i] || d2 > r * r) continue;
      int b[3];
      for (int a = 0; a < 3; ++a) b[a] = std::clamp(static_cast<int>(std::floor((d[a] / r + 1) * 0.5f * ks)), 0, ks - 1);
      want.emplace_back((b[0] * ks + b[1]) * ks + b[2], j, i);
    }
  }
  auto k = host<int>(t.tap), jj = host<int>(t.input), ii = host<int>(t.output);
  for (size_t e = 0; e < k.size(); ++e) got.emplace_back(k[e], jj[e], ii[e]);
  EXPECT_TRUE(std::is_sorted(k.begin(), k.end()));
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_GT(want.size(), 200u);
}

TEST(PointConv, ForwardMatchesLoopWithGroups) {
  int n = 120, m = 50, g = 2, cin = 6, cout = 4, ks = 3, kk = 27;
  auto pin = random_vec(3 * n, 3), pout = random_vec(3 * m, 4);
  TripletOptions opts;
  opts.radius = 0.6f;
  auto t = build_triplets(mx::array(pin.data(), {n, 3}), mx::array(pout.data(), {m, 3}), opts);
  auto xv = random_vec(n * cin, 5), wv = random_vec(kk * g * (cin / g) * (cout / g), 6), bv = random_vec(cout, 7);
  auto y = point_conv(mx::array(xv.data(), {n, cin}), mx::array(wv.data(), {kk, g, cin / g, cout / g}),
                      mx::array(bv.data(), {cout}), t);
  ASSERT_EQ(y.shape(), (mx::Shape{m, cout}));
  std::vector<double> ref(m * cout);
  for (int i = 0; i < m; ++i) {
    for (int c = 0; c < cout; ++c) ref[i * cout + c] = bv[c];
  }
  auto k = host<int>(t.tap), jj = host<int>(t.input), ii = host<int>(t.output);
  int ci = cin / g, co = cout / g;
  for (size_t e = 0; e < k.size(); ++e) {
    for (int gg = 0; gg < g; ++gg) {
      for (int o = 0; o < co; ++o) {
        double acc = 0;
        for (int c = 0; c < ci; ++c) {
          acc += double(xv[jj[e] * cin + gg * ci + c]) * wv[((k[e] * g + gg) * ci + c) * co + o];
        }
        ref[ii[e] * cout + gg * co + o] += acc;
      }
    }
  }
  (void)ks;
  EXPECT_CLOSE(allclose_scaled(y, mx::array(ref.data(), {m, cout}, mx::float64), 1e-5));
}

TEST(PointConv, GradientMatchesFiniteDifferences) {
  int n = 12, m = 6, cin = 2, cout = 3;
  auto pin = random_vec(3 * n, 8), pout = random_vec(3 * m, 9);
  TripletOptions opts;
  opts.radius = 1.2f;
  auto t = build_triplets(mx::array(pin.data(), {n, 3}), mx::array(pout.data(), {m, 3}), opts);
  ASSERT_GT(t.size(), 10);
  auto f = [t](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{point_conv(in[0], in[1], in[2], t)};
  };
  auto x = mx::random::normal({n, cin}, mx::float32, 0, 1, mx::random::key(1));
  auto w = mx::random::normal({27, 1, cin, cout}, mx::float32, 0, 1, mx::random::key(2));
  auto b = mx::random::normal({cout}, mx::float32, 0, 1, mx::random::key(3));
  EXPECT_CLOSE(check_gradient(f, {x, w, b}, {0, 1, 2}));
}

TEST(PointConv, RejectsMismatchedShapes) {
  auto pts = mx::zeros({4, 3});
  TripletOptions opts;
  opts.radius = 1;
  opts.kernel_size = 9;
  EXPECT_THROW_MSG(build_triplets(pts, pts, opts), std::invalid_argument, "kernel_size must be in [1, 7]");
  opts.kernel_size = 3;
  auto t = build_triplets(pts, pts, opts);
  EXPECT_THROW_MSG(point_conv(mx::zeros({4, 2}), mx::zeros({8, 1, 2, 2}), std::nullopt, t), std::invalid_argument,
                   "weight must have 27 taps");
  EXPECT_THROW_MSG(point_conv(mx::zeros({4, 3}), mx::zeros({27, 1, 2, 2}), std::nullopt, t), std::invalid_argument,
                   "x must be [4, 2]");
}

}  // namespace
}  // namespace robomlx::sparse
