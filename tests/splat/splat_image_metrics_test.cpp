// SPDX-License-Identifier: Apache-2.0
// splat.metrics: SSIM against a plain double-precision loop with the full 11x11 window (zero
// padding), its gradient against finite differences, PSNR by hand.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/mlx.h>

#include "robomlx/splat/splat_image_metrics.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

// Wang et al.'s SSIM map, per channel, window sum over in-image pixels only (zero padding).
template <typename A, typename B>
std::vector<double> ssim_loop(const std::vector<A>& a, const std::vector<B>& b, int c, int h, int w) {
  double g[11], sum = 0;
  for (int i = 0; i < 11; ++i) sum += g[i] = std::exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
  for (double& v : g) v /= sum;
  const double c1 = 1e-4, c2 = 9e-4;
  std::vector<double> out(a.size());
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
        for (int dy = -5; dy <= 5; ++dy)
          for (int dx = -5; dx <= 5; ++dx) {
            const int yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            const double wt = g[dy + 5] * g[dx + 5];
            const std::size_t k = (static_cast<std::size_t>(ch) * h + yy) * w + xx;
            ma += wt * a[k], mb += wt * b[k], saa += wt * a[k] * a[k], sbb += wt * b[k] * b[k], sab += wt * a[k] * b[k];
          }
        const double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
        out[(static_cast<std::size_t>(ch) * h + y) * w + x] =
            (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      }
  return out;
}

struct Pair {
  std::vector<float> a, b;
};

// b = a + noise: correlated, like a render against its photo.
Pair random_pair(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> g(0, 0.1f);
  Pair p;
  for (int i = 0; i < n; ++i) {
    p.a.push_back(u(rng));
    p.b.push_back(std::clamp(p.a.back() + g(rng), 0.0f, 1.0f));
  }
  return p;
}

// Each implementation (the portable MLX ops, the CPU twin) against the plain loop.
class SsimImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "splat.metrics"; }
};

TEST_P(SsimImpl, MatchesAPlainLoop) {
  const int c = 3, h = 23, w = 31;
  const Pair p = random_pair(c * h * w, 1);
  const mx::array a(p.a.data(), {c, h, w}), b(p.b.data(), {c, h, w});
  const auto got = test::host<float>(ssim_map(a, b, stream()));
  const auto want = ssim_loop(p.a, p.b, c, h, w);
  double worst = 0, mean = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]));
    mean += want[i] / want.size();
  }
  EXPECT_LT(worst, 2e-5);
  EXPECT_NEAR(ssim(a, b, stream()).item<float>(), mean, 1e-5);
  EXPECT_NEAR(ssim(a, a, stream()).item<float>(), 1.0, 1e-6);
}

TEST_P(SsimImpl, GradientMatchesFiniteDifferences) {
  const int c = 2, h = 14, w = 15;
  const Pair p = random_pair(c * h * w, 2);
  // A weighted loss, so the cotangent differs per pixel (the twin's backward scales by it).
  std::vector<float> weight(c * h * w);
  for (std::size_t i = 0; i < weight.size(); ++i) weight[i] = 0.5f + static_cast<float>(i % 7) / 7;
  const mx::array wt(weight.data(), {c, h, w});
  auto loss = [&](const std::vector<mx::array>& x) {
    return mx::sum(mx::multiply(ssim_map(x[0], x[1], stream()), wt));
  };
  const auto grads = mx::grad(loss, std::vector<int>{0, 1})({mx::array(p.a.data(), {c, h, w}), mx::array(p.b.data(), {c, h, w})});
  for (int which = 0; which < 2; ++which) {
    const auto g = test::host<float>(grads[which]);
    for (int k : {0, 17, 100, h * w + 3, c * h * w - 1}) {  // corners, the border, the interior
      auto shifted = [&](double d) {
        std::vector<double> a(p.a.begin(), p.a.end()), b(p.b.begin(), p.b.end());
        (which == 0 ? a : b)[k] += d;
        const auto m = ssim_loop(a, b, c, h, w);
        double s = 0;
        for (std::size_t i = 0; i < m.size(); ++i) s += m[i] * weight[i];
        return s;
      };
      const double fd = (shifted(1e-4) - shifted(-1e-4)) / 2e-4;
      EXPECT_NEAR(g[k], fd, 1e-3 * std::abs(fd) + 1e-5) << (which == 0 ? "a" : "b") << " pixel " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, SsimImpl, ::testing::Values(Impl::portable, Impl::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The twin against the portable path on a training-sized image, values and gradients.
TEST(SplatMetrics, CpuTwinMatchesPortable) {
  const int c = 3, h = 70, w = 93;
  const Pair p = random_pair(c * h * w, 3);
  const mx::array a(p.a.data(), {c, h, w}), b(p.b.data(), {c, h, w});
  auto run = [&] {
    auto f = [&](const std::vector<mx::array>& x) { return ssim(x[0], x[1], mx::Device::cpu); };
    auto [v, g] = mx::value_and_grad(f, std::vector<int>{0, 1})({a, b});
    mx::eval(v, g[0], g[1]);
    return std::vector<mx::array>{v, g[0], g[1]};
  };
  const auto twin = test::run_forced(Impl::cpu, "splat.metrics", run);
  const auto ref = test::run_forced(Impl::portable, "splat.metrics", run);
  EXPECT_NEAR(twin[0].item<float>(), ref[0].item<float>(), 1e-6);
  for (int i = 1; i < 3; ++i) {
    const float scale = mx::max(mx::abs(ref[i])).item<float>();
    EXPECT_LT(mx::max(mx::abs(mx::subtract(twin[i], ref[i]))).item<float>(), 1e-4 * scale) << "gradient " << i;
  }
}

TEST(SplatMetrics, PsnrByHand) {
  const mx::array a = mx::zeros({3, 2, 2}), b = mx::full({3, 2, 2}, 0.1f);
  EXPECT_NEAR(psnr(a, b, mx::Device::cpu).item<float>(), 20.0, 1e-4);  // mse 0.01
  EXPECT_THROW_MSG(psnr(a, mx::zeros({3, 2, 3}), mx::Device::cpu), std::invalid_argument, "[splat.metrics]");
  EXPECT_THROW_MSG(ssim(mx::zeros({2, 2}), mx::zeros({2, 2}), mx::Device::cpu), std::invalid_argument,
                   "[splat.metrics]");
}

}  // namespace
}  // namespace robomlx::splat
