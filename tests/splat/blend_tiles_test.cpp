// SPDX-License-Identifier: Apache-2.0
// splat.blend's CPU twin (detail::blend_tiles_cpu on a CPU stream) against the plain loops of
// blend_reference.h (double):
//   * forward: color, inv_depth, alpha within 1e-5 of the largest reference value (float32
//     accumulation against double); ragged edge tiles, background, an empty list;
//   * backward vs central differences (eps 1e-5, double) of the reference forward replaying the
//     base point's skip / stop / clamp decisions (the contract's semantics, so no discontinuity is
//     crossed), on 40x24 (3x2 tiles, ragged) with 8 Gaussians: within 1e-4 of each gradient
//     array's largest entry (the twin runs in float32 and recovers T by dividing by 1 - alpha;
//     seen: 4e-7); the analytic loop agrees with the differences within 1e-6;
//   * backward vs the analytic loop on a random 200-Gaussian 100x70 scene, cotangents of all three
//     images, and on a scene where the 0.99 clamp bites (gradient passed through; also vs the
//     replayed differences): within 2e-5 of each array's largest entry (seen: 5e-7); a loss of
//     the color alone (zero cotangents for the others); bitwise equal across thread counts;
//   * the CPU twin's exp-free skip bound never skips an alpha >= 1/255.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "blend_reference.h"
#include "robomlx/splat/blend_tiles_internal.h"
#include "robomlx/splat/blend_tiles_twins.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

using test::host;

mx::array f32(const std::vector<float>& v, mx::Shape shape) {
  return mx::array(v.data(), std::move(shape), mx::float32);
}
mx::array f32(const std::vector<double>& v, mx::Shape shape) {
  return f32(std::vector<float>(v.begin(), v.end()), std::move(shape));
}

// The scene's operands as arrays (shapes of blend_tiles.h).
detail::BlendOperands operands(const blend_ref::Scene& s) {
  const int n = s.n(), r = static_cast<int>(s.point_list.size()), t = s.tiles_x() * s.tiles_y();
  return {f32(s.means2d, {n, 2}), f32(s.conics, {n, 3}), f32(s.opacities, {n}), f32(s.colors, {n, 3}),
          f32(s.inv_depths, {n}), mx::array(s.point_list.data(), {r}, mx::int32),
          mx::array(s.tile_ranges.data(), {t, 2}, mx::int32)};
}

BlendSettings settings(const blend_ref::Scene& s) { return {s.width, s.height, s.background}; }

// The twin's five gradients for the cotangents g (mx::vjp through the custom VJP).
std::vector<std::vector<float>> twin_gradients(const blend_ref::Scene& s, const blend_ref::Cotangents& g,
                                               mx::Stream cpu) {
  const auto in = operands(s);
  const auto st = settings(s);
  auto fn = [&](const std::vector<mx::array>& p) {
    auto out = detail::blend_tiles_cpu({p[0], p[1], p[2], p[3], p[4], in.point_list, in.tile_ranges}, st, cpu);
    return std::vector<mx::array>{out.color, out.inv_depth, out.alpha};
  };
  const int H = s.height, W = s.width;
  auto [outs, grads] = mx::vjp(fn, {in.means2d, in.conics, in.opacities, in.colors, in.inv_depths},
                               {f32(g.color, {3, H, W}), f32(g.inv_depth, {1, H, W}), f32(g.alpha, {1, H, W})});
  std::vector<std::vector<float>> r;
  for (auto& a : grads) r.push_back(host<float>(a));
  return r;
}

void expect_gradients(const std::vector<std::vector<float>>& got, const blend_ref::Params& want, double tol,
                      const std::string& what) {
  const char* names[] = {"means2d", "conics", "opacities", "colors", "inv_depths"};
  double worst = 0;
  for (int a = 0; a < 5; ++a) {
    ASSERT_EQ(got[a].size(), want.all()[a]->size()) << names[a];
    const double e = blend_ref::relative_error(got[a], *want.all()[a]);
    EXPECT_LT(e, tol) << what << ": d/d " << names[a] << " relative error " << e;
    worst = std::max(worst, e);
  }
  std::printf("[blend] %s: largest relative gradient error %.2e (tolerance %.0e)\n", what.c_str(), worst, tol);
}

class BlendTilesCpu : public ::testing::Test {
 protected:
  mx::Stream cpu = mx::default_stream(mx::Device::cpu);
};

TEST(BlendTilesSkip, BoundOnPowerNeverSkipsAVisibleAlpha) {
  // The CPU twin skips the exp where power < blend_skip_below(opacity): there alpha must be
  // < 1/255 as computed with the exp (float32), or the twin would drop a contributor.
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uo(1e-3f, 1.0f), ud(-0.01f, 0.01f);
  int near = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const float o = uo(rng), bound = detail::blend_skip_below(o), power = bound + ud(rng);
    if (power >= bound) continue;
    ++near;
    ASSERT_LT(std::min(detail::kBlendAlphaMax, o * std::exp(power)), detail::kBlendAlphaMin) << o << " " << power;
  }
  EXPECT_GT(near, 400'000);
  EXPECT_TRUE(std::isinf(detail::blend_skip_below(0.0f)));
}

TEST_F(BlendTilesCpu, ForwardMatchesPlainLoop) {
  for (auto [n, w, h] : {std::tuple{200, 100, 70}, std::tuple{30, 16, 16}, std::tuple{400, 47, 33}}) {
    const auto s = blend_ref::random_scene(n, w, h, 7 + n);
    const auto want = blend_ref::forward(s, blend_ref::params_of(s));
    const auto out = detail::blend_tiles_cpu(operands(s), settings(s), cpu);
    EXPECT_EQ(out.color.shape(), (mx::Shape{3, h, w}));
    EXPECT_EQ(out.inv_depth.shape(), (mx::Shape{1, h, w}));
    EXPECT_EQ(out.alpha.shape(), (mx::Shape{1, h, w}));
    EXPECT_LT(blend_ref::relative_error(host<float>(out.color), want.color), 1e-5) << w << "x" << h;
    EXPECT_LT(blend_ref::relative_error(host<float>(out.inv_depth), want.inv_depth), 1e-5) << w << "x" << h;
    EXPECT_LT(blend_ref::relative_error(host<float>(out.alpha), want.alpha), 1e-5) << w << "x" << h;
  }
}

TEST_F(BlendTilesCpu, EmptyListGivesBackground) {
  auto s = blend_ref::random_scene(0, 20, 18, 3);
  const auto out = detail::blend_tiles_cpu(operands(s), settings(s), cpu);
  const auto color = host<float>(out.color);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(color[c * 20 * 18 + 5], s.background[c]);
  for (float a : host<float>(out.alpha)) EXPECT_EQ(a, 0.0f);
  const auto g = twin_gradients(s, blend_ref::random_cotangents(s, 1), cpu);
  for (const auto& v : g) EXPECT_TRUE(v.empty());
}

TEST_F(BlendTilesCpu, BackwardMatchesFiniteDifferences) {
  blend_ref::SceneOptions o;
  o.sigma_min = 3, o.sigma_max = 7, o.opacity_min = 0.3, o.opacity_max = 0.8, o.margin = 4;
  const auto s = blend_ref::random_scene(8, 40, 24, 11, o);
  const auto g = blend_ref::random_cotangents(s, 12);
  const auto p = blend_ref::params_of(s);
  const auto fd = blend_ref::finite_differences(s, p, g, 1e-5);
  // The analytic loop is the reference of the larger tests: it must agree with the differences.
  const auto analytic = blend_ref::backward(s, p, g);
  for (int a = 0; a < 5; ++a) {
    EXPECT_LT(blend_ref::relative_error(*analytic.all()[a], *fd.all()[a]), 1e-6) << "analytic loop, array " << a;
  }
  expect_gradients(twin_gradients(s, g, cpu), fd, 1e-4, "vs finite differences");
}

TEST_F(BlendTilesCpu, BackwardMatchesAnalyticLoop) {
  const auto s = blend_ref::random_scene(200, 100, 70, 21);
  const auto g = blend_ref::random_cotangents(s, 22);
  const auto want = blend_ref::backward(s, blend_ref::params_of(s), g);
  expect_gradients(twin_gradients(s, g, cpu), want, 2e-5, "random scene");
}

TEST_F(BlendTilesCpu, ClampedAlphaPassesGradientThrough) {
  // Opaque Gaussians near pixel centres: o G > 0.99 at some pixels, where the gradient of the
  // clamp is taken as 1 (graphdeco). Larger ones behind, so the clamped ones are not the last.
  blend_ref::SceneOptions o;
  o.opacity_min = 0.995, o.opacity_max = 1.0, o.sigma_min = 2, o.sigma_max = 5;
  auto s = blend_ref::random_scene(40, 48, 40, 31, o);
  const auto p = blend_ref::params_of(s);
  blend_ref::Decisions dec;
  blend_ref::forward(s, p, &dec);
  int clamped = 0;
  for (const auto& px : dec)
    for (const auto& c : px) clamped += c.offset > 0;
  ASSERT_GT(clamped, 10) << "the scene must have clamped alphas";
  const auto g = blend_ref::random_cotangents(s, 32);
  const auto twin = twin_gradients(s, g, cpu);
  expect_gradients(twin, blend_ref::backward(s, p, g), 2e-5, "clamped, vs analytic loop");
  // The pass-through is what the replayed differences measure as well.
  expect_gradients(twin, blend_ref::finite_differences(s, p, g, 1e-5), 1e-4, "clamped, vs finite differences");
}

TEST_F(BlendTilesCpu, GradientOfColorOnlyLoss) {
  // value_and_grad of a loss of the color alone: the other outputs' cotangents come in as zeros.
  const auto s = blend_ref::random_scene(60, 40, 30, 41);
  const auto in = operands(s);
  const auto st = settings(s);
  auto loss = [&](const std::vector<mx::array>& p) {
    auto out = detail::blend_tiles_cpu({p[0], p[1], p[2], p[3], p[4], in.point_list, in.tile_ranges}, st, cpu);
    return mx::sum(out.color, cpu);
  };
  auto [value, grads] = mx::value_and_grad(loss, std::vector<int>{0, 1, 2, 3, 4})(
      {in.means2d, in.conics, in.opacities, in.colors, in.inv_depths});
  blend_ref::Cotangents g = blend_ref::random_cotangents(s, 1);
  std::fill(g.color.begin(), g.color.end(), 1.0);
  std::fill(g.inv_depth.begin(), g.inv_depth.end(), 0.0);
  std::fill(g.alpha.begin(), g.alpha.end(), 0.0);
  const auto want = blend_ref::backward(s, blend_ref::params_of(s), g);
  std::vector<std::vector<float>> got;
  for (auto& a : grads) got.push_back(host<float>(a));
  expect_gradients(got, want, 2e-5, "sum(color)");
}

TEST_F(BlendTilesCpu, BackwardIsDeterministicAcrossThreadCounts) {
  const auto s = blend_ref::random_scene(300, 96, 64, 51);
  const auto g = blend_ref::random_cotangents(s, 52);
  const char* old = std::getenv("ROBOMLX_NUM_THREADS");
  const std::string saved = old ? old : "";
  setenv("ROBOMLX_NUM_THREADS", "1", 1);
  const auto one = twin_gradients(s, g, cpu);
  setenv("ROBOMLX_NUM_THREADS", "3", 1);
  const auto three = twin_gradients(s, g, cpu);
  if (old) setenv("ROBOMLX_NUM_THREADS", saved.c_str(), 1);
  else unsetenv("ROBOMLX_NUM_THREADS");
  for (int a = 0; a < 5; ++a) EXPECT_EQ(one[a], three[a]) << "array " << a;
}

}  // namespace
}  // namespace robomlx::splat
