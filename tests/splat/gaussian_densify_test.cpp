// SPDX-License-Identifier: Apache-2.0
// splat.densify on hand-built scenes: which Gaussians are cloned, split and pruned, the order and
// optimiser state afterwards, split samples distributed as their parent, the cap, statistics and
// opacity reset.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/mlx.h>

#include "robomlx/splat/gaussian_densify.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

// Gaussians with isotropic scale `scales[i]`, opacity `opacity[i]`, and means (i, 0, 0).
GaussianScene scene_with(const std::vector<float>& scales, const std::vector<float>& opacity) {
  const int n = static_cast<int>(scales.size());
  std::vector<float> means, ls, op, sh;
  for (int i = 0; i < n; ++i) {
    means.insert(means.end(), {float(i), 0, 0});
    ls.insert(ls.end(), 3, std::log(scales[i]));
    op.push_back(std::log(opacity[i] / (1 - opacity[i])));
    sh.insert(sh.end(), {float(i), 0, 0});
  }
  GaussianScene g;
  g.means = mx::array(means.data(), {n, 3});
  g.log_scales = mx::array(ls.data(), {n, 3});
  g.rotations = mx::concatenate({mx::ones({n, 1}), mx::zeros({n, 3})}, 1);
  g.opacity_logits = mx::array(op.data(), {n, 1});
  g.sh = mx::array(sh.data(), {n, 1, 3});
  return g;
}

DensifyStats stats_of(const std::vector<float>& gbar, const std::vector<float>& count, const std::vector<float>& radii) {
  std::vector<float> accum;
  for (std::size_t i = 0; i < gbar.size(); ++i) accum.push_back(gbar[i] * count[i]);
  const int n = static_cast<int>(gbar.size());
  return {mx::array(accum.data(), {n}), mx::array(count.data(), {n}), mx::array(radii.data(), {n})};
}

// One Adam step whose gradient of row i is i + 1 everywhere: first moments 0.1 (i + 1).
GaussianAdam stepped_adam(GaussianScene& scene) {
  GaussianAdam adam(scene);
  const int n = scene.size();
  auto rows = mx::reshape(mx::add(mx::arange(n, mx::float32), mx::array(1.0f)), {n, 1});
  GaussianScene g = scene;
  g.means = mx::broadcast_to(rows, {n, 3});
  g.log_scales = mx::broadcast_to(rows, {n, 3});
  g.rotations = mx::broadcast_to(rows, {n, 4});
  g.opacity_logits = rows;
  g.sh = mx::broadcast_to(mx::reshape(rows, {n, 1, 1}), {n, 1, 3});
  GaussianScene copy = scene;
  adam.step(copy, g, {}, mx::Device::cpu);  // the moments are what matter here, not the update
  return adam;
}

constexpr float kHigh = 1e-3f, kLow = 1e-5f;

TEST(SplatDensify, ClonesSplitsAndPrunesAHandBuiltScene) {
  // 0 small+grad: clone; 1 large+grad: split; 2 transparent: prune; 3 small: keep; 4 never seen:
  // keep; 5 huge in the world, 6 huge on screen: pruned only with prune_large.
  for (bool large : {false, true}) {
    GaussianScene scene = scene_with({0.005f, 0.05f, 0.005f, 0.005f, 0.05f, 0.2f, 0.005f},
                                     {0.5f, 0.5f, 0.001f, 0.5f, 0.5f, 0.5f, 0.5f});
    GaussianAdam adam = stepped_adam(scene);
    DensifyStats stats = stats_of({kHigh, kHigh, kLow, kLow, kHigh, kLow, kLow}, {4, 2, 3, 3, 0, 3, 3},
                                  {3, 8, 2, 2, 0, 4, 30});
    DensifySettings st;
    st.prune_large = large;
    const auto c = densify_and_prune(scene, adam, stats, st, 1.0, mx::random::key(1), mx::Device::cpu);
    EXPECT_EQ(c.before, 7);
    EXPECT_EQ(c.cloned, 1);
    EXPECT_EQ(c.split, 1);
    EXPECT_EQ(c.pruned, large ? 3 : 1);
    EXPECT_EQ(c.after, large ? 6 : 8);
    ASSERT_EQ(scene.size(), c.after);
    scene.validate();
    // Order: kept originals, the clone, the two children; the DC colour says who is who.
    const auto sh = test::host<float>(scene.sh);
    const std::vector<int> want = large ? std::vector<int>{0, 3, 4, 0, 1, 1} : std::vector<int>{0, 3, 4, 5, 6, 0, 1, 1};
    for (int i = 0; i < c.after; ++i) EXPECT_EQ(sh[i * 3], float(want[i])) << i;
    // The clone is an exact copy; children have scale / 1.6.
    const auto ls = test::host<float>(scene.log_scales);
    const int clone = c.after - 3, child = c.after - 2;
    EXPECT_EQ(test::host<float>(scene.means)[clone * 3], 0.0f);
    EXPECT_NEAR(std::exp(ls[child * 3]), 0.05 / 1.6, 1e-7);
    // Moments: survivors keep theirs (0.1 (old row + 1)), new Gaussians start at zero.
    EXPECT_EQ(adam.size(), c.after);
    const auto m = test::host<float>(adam.first_moments().means);
    for (int i = 0; i < c.after; ++i) {
      const float expect = i < clone ? 0.1f * (want[i] + 1) : 0.0f;
      EXPECT_NEAR(m[i * 3], expect, 1e-6) << i;
    }
    // Statistics restart for everyone.
    EXPECT_EQ(stats.size(), c.after);
    EXPECT_EQ(test::host<float>(mx::sum(stats.count)).front(), 0.0f);
  }
}

// R (local to world) of a unit quaternion (w, x, y, z), row-major.
std::array<double, 9> rotation(const double* q) {
  const double w = q[0], x = q[1], y = q[2], z = q[3];
  return {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
          2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
          2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
}

TEST(SplatDensify, SplitChildrenAreDrawnFromTheirParent) {
  // Anisotropic parents with random rotations: in each parent's frame, (child - mean) / scale must
  // look standard normal on every axis (a wrong rotation convention mixes the axes and shows up as
  // variances far from 1).
  const int n = 400;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> q(n * 4), means(n * 3);
  for (auto& v : q) v = g(rng);
  for (auto& v : means) v = 3 * g(rng);
  GaussianScene scene = scene_with(std::vector<float>(n, 0.1f), std::vector<float>(n, 0.5f));
  scene.means = mx::array(means.data(), {n, 3});
  scene.rotations = mx::array(q.data(), {n, 4});  // not normalised: the split normalises
  const float s[3] = {0.5f, 0.1f, 0.02f};
  scene.log_scales = mx::broadcast_to(mx::log(mx::array(s, {1, 3})), {n, 3});
  GaussianAdam adam(scene);
  DensifyStats stats = stats_of(std::vector<float>(n, kHigh), std::vector<float>(n, 1), std::vector<float>(n, 1));
  const auto c = densify_and_prune(scene, adam, stats, {}, 1.0, mx::random::key(9), mx::Device::cpu);
  ASSERT_EQ(c.split, n);
  ASSERT_EQ(c.after, 2 * n);
  const auto x = test::host<float>(scene.means);
  double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0}, worst = 0;
  for (int k = 0; k < 2 * n; ++k) {
    const int p = k % n;  // first children of all parents, then second children
    double qn[4], norm = 0;
    for (int i = 0; i < 4; ++i) norm += double(q[p * 4 + i]) * q[p * 4 + i];
    for (int i = 0; i < 4; ++i) qn[i] = q[p * 4 + i] / std::sqrt(norm);
    const auto r = rotation(qn);
    for (int a = 0; a < 3; ++a) {
      double local = 0;  // R^T (x - mean), axis a
      for (int b = 0; b < 3; ++b) local += r[b * 3 + a] * (x[k * 3 + b] - means[p * 3 + b]);
      const double z = local / s[a];
      sum[a] += z, sq[a] += z * z, worst = std::max(worst, std::abs(z));
    }
  }
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(sum[a] / (2 * n), 0.0, 0.15) << "axis " << a;
    EXPECT_NEAR(sq[a] / (2 * n), 1.0, 0.2) << "axis " << a;
  }
  EXPECT_LT(worst, 5.5);  // every child inside its parent's 5.5-sigma ellipsoid
}

TEST(SplatDensify, TheCapKeepsTheLargestGradients) {
  GaussianScene scene = scene_with({0.005f, 0.005f, 0.005f}, {0.5f, 0.5f, 0.5f});
  GaussianAdam adam(scene);
  DensifyStats stats = stats_of({2 * kHigh, 3 * kHigh, kHigh}, {1, 1, 1}, {1, 1, 1});
  DensifySettings st;
  st.max_gaussians = 4;  // room for one
  const auto c = densify_and_prune(scene, adam, stats, st, 1.0, mx::random::key(1), mx::Device::cpu);
  EXPECT_EQ(c.cloned, 1);
  EXPECT_EQ(c.after, 4);
  EXPECT_EQ(test::host<float>(scene.sh)[3 * 3], 1.0f);  // the copy is of Gaussian 1
}

TEST(SplatDensify, StatisticsAndOpacityReset) {
  DensifyStats st = DensifyStats::zeros(3);
  accumulate_densify_stats(st, mx::array({3.f, 4.f, 1.f, 0.f, 0.f, 0.f}, {3, 2}), mx::array({2, 0, 5}),
                           mx::Device::cpu);
  accumulate_densify_stats(st, mx::array({0.f, 1.f, 1.f, 0.f, 0.f, 0.f}, {3, 2}), mx::array({1, 0, 0}),
                           mx::Device::cpu);
  EXPECT_EQ(test::host<float>(st.grad_accum), (std::vector<float>{6, 0, 0}));  // |(3, 4)| + |(0, 1)|
  EXPECT_EQ(test::host<float>(st.count), (std::vector<float>{2, 0, 1}));
  EXPECT_EQ(test::host<float>(st.max_radii), (std::vector<float>{2, 0, 5}));

  GaussianScene scene = scene_with({0.1f, 0.1f, 0.1f}, {0.5f, 0.5f, 0.5f});
  scene.opacity_logits = mx::array({-5.f, 0.f, 3.f}, {3, 1});
  GaussianAdam adam = stepped_adam(scene);
  reset_opacity(scene, adam, 0.01f, mx::Device::cpu);
  const auto op = test::host<float>(activated_opacities(scene));
  EXPECT_NEAR(op[0], 1 / (1 + std::exp(5.0)), 1e-7);  // below the limit: unchanged
  EXPECT_NEAR(op[1], 0.01, 1e-7);
  EXPECT_NEAR(op[2], 0.01, 1e-7);
  EXPECT_EQ(test::host<float>(adam.first_moments().opacity_logits)[2], 0.0f);
  EXPECT_NE(test::host<float>(adam.first_moments().means)[2], 0.0f);
}

}  // namespace
}  // namespace robomlx::splat
