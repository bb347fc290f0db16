// SPDX-License-Identifier: Apache-2.0
// splat.adam: Adam steps against a hand computation in double, per-group learning rates, the
// state following added and removed Gaussians, the position learning-rate schedule.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/mlx.h>

#include "robomlx/splat/gaussian_adam.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

TEST(SplatAdam, ThreeStepsMatchAHandComputation) {
  const std::vector<float> p0 = {0.5f, -1.0f, 2.0f, 0.0f};
  const std::vector<std::vector<float>> grads = {{0.1f, -0.2f, 1e-3f, 0.0f}, {0.3f, 0.2f, -1e-3f, 0.0f}, {-0.1f, 0.0f, 5.0f, 0.0f}};
  const AdamSettings st;  // 0.9, 0.999, 1e-15
  const double lr = 0.01;
  mx::array p(p0.data(), {4}), m = mx::zeros({4}), v = mx::zeros({4});
  std::vector<double> hp(p0.begin(), p0.end()), hm(4, 0), hv(4, 0);
  for (int t = 1; t <= 3; ++t) {
    const auto& g = grads[t - 1];
    auto u = adam_update(p, mx::array(g.data(), {4}), m, v, mx::array(static_cast<float>(lr)), t, st, mx::Device::cpu);
    p = u.param, m = u.m, v = u.v;
    for (int i = 0; i < 4; ++i) {
      hm[i] = 0.9 * hm[i] + 0.1 * g[i];
      hv[i] = 0.999 * hv[i] + 0.001 * double(g[i]) * g[i];
      const double mh = hm[i] / (1 - std::pow(0.9, t)), vh = hv[i] / (1 - std::pow(0.999, t));
      hp[i] -= lr * mh / (std::sqrt(vh) + 1e-15);
    }
  }
  const auto got = test::host<float>(p);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(got[i], hp[i], 1e-6) << i;
  EXPECT_EQ(got[3], 0.0f);  // never a gradient: 0 / (0 + eps) moves nothing
  // The first step moves every element with a gradient by lr: Adam's scale invariance.
  auto first = adam_update(mx::array(p0.data(), {4}), mx::array(grads[0].data(), {4}), mx::zeros({4}), mx::zeros({4}),
                           mx::array(0.01f), 1, st, mx::Device::cpu);
  EXPECT_NEAR(test::host<float>(first.param)[2], 2.0 - 0.01, 1e-6);
}

GaussianScene scene_of(int n, int degree, float value) {
  const int m = (degree + 1) * (degree + 1);
  GaussianScene g;
  g.sh_degree = degree;
  g.means = mx::full({n, 3}, value);
  g.log_scales = mx::full({n, 3}, value);
  g.rotations = mx::full({n, 4}, value);
  g.opacity_logits = mx::full({n, 1}, value);
  g.sh = mx::full({n, m, 3}, value);
  return g;
}

TEST(SplatAdam, EachGroupStepsByItsOwnRate) {
  GaussianScene p = scene_of(2, 1, 0.0f);
  GaussianAdam adam(p);
  GaussianLearningRates lr{.means = 1e-3f, .log_scales = 2e-3f, .rotations = 3e-3f, .opacity_logits = 4e-3f,
                           .sh_dc = 5e-3f, .sh_rest = 6e-3f};
  adam.step(p, scene_of(2, 1, 1.0f), lr, mx::Device::cpu);  // first step: each moves by -lr
  EXPECT_EQ(adam.steps(), 1);
  EXPECT_NEAR(test::host<float>(p.means)[0], -1e-3, 1e-9);
  EXPECT_NEAR(test::host<float>(p.log_scales)[5], -2e-3, 1e-9);
  EXPECT_NEAR(test::host<float>(p.rotations)[7], -3e-3, 1e-9);
  EXPECT_NEAR(test::host<float>(p.opacity_logits)[1], -4e-3, 1e-9);
  const auto sh = test::host<float>(p.sh);  // [2, 4, 3]: coefficient 0 is the colour
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k)
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(sh[(i * 4 + k) * 3 + c], k == 0 ? -5e-3 : -6e-3, 1e-9);
}

TEST(SplatAdam, StateFollowsSelectedAndAppendedGaussians) {
  GaussianScene p = scene_of(3, 0, 0.0f);
  p.means = mx::array({0.f, 0.f, 0.f, 1.f, 1.f, 1.f, 2.f, 2.f, 2.f}, {3, 3});
  GaussianAdam adam(p);
  GaussianScene g = scene_of(3, 0, 1.0f);
  g.means = mx::array({1.f, 1.f, 1.f, 2.f, 2.f, 2.f, 3.f, 3.f, 3.f}, {3, 3});  // row i: moment 0.1 (i + 1)
  adam.step(p, g, {}, mx::Device::cpu);
  adam.select(mx::array({2, 0}), mx::Device::cpu);
  adam.append_zeros(2, mx::Device::cpu);
  EXPECT_EQ(adam.size(), 4);
  const auto m = test::host<float>(adam.first_moments().means);
  EXPECT_NEAR(m[0], 0.3, 1e-6);
  EXPECT_NEAR(m[3], 0.1, 1e-6);
  EXPECT_EQ(m[6], 0.0f);
  EXPECT_EQ(m[11], 0.0f);
  EXPECT_EQ(adam.second_moments().sh.shape(), (mx::Shape{4, 1, 3}));
  adam.reset_opacity_moments(mx::Device::cpu);
  EXPECT_EQ(test::host<float>(adam.first_moments().opacity_logits)[0], 0.0f);
  EXPECT_NEAR(test::host<float>(adam.first_moments().log_scales)[0], 0.1, 1e-6);

  // A checkpoint's state comes back; a wrong shape is named.
  GaussianAdam back(scene_of(4, 0, 0.0f));
  back.restore(adam.state(), 7, scene_of(4, 0, 0.0f));
  EXPECT_EQ(back.steps(), 7);
  EXPECT_NEAR(test::host<float>(back.first_moments().means)[0], 0.3, 1e-6);
  EXPECT_THROW_MSG(back.restore(adam.state(), 7, scene_of(5, 0, 0.0f)), std::invalid_argument, "'m.means'");
}

TEST(SplatAdam, PositionRateDecaysLogLinearly) {
  EXPECT_NEAR(exponential_lr(1.6e-4, 1.6e-6, 0, 30000), 1.6e-4, 1e-12);
  EXPECT_NEAR(exponential_lr(1.6e-4, 1.6e-6, 15000, 30000), 1.6e-5, 1e-12);  // geometric mean halfway
  EXPECT_NEAR(exponential_lr(1.6e-4, 1.6e-6, 7500, 30000), 1.6e-4 * std::pow(0.01, 0.25), 1e-12);
  EXPECT_NEAR(exponential_lr(1.6e-4, 1.6e-6, 30000, 30000), 1.6e-6, 1e-14);
  EXPECT_NEAR(exponential_lr(1.6e-4, 1.6e-6, 45000, 30000), 1.6e-6, 1e-14);  // constant after
  EXPECT_THROW_MSG(exponential_lr(0, 1, 1, 10), std::invalid_argument, "[splat.adam] lr_init");
}

}  // namespace
}  // namespace robomlx::splat
