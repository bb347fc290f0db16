// SPDX-License-Identifier: Apache-2.0
// Isaac-Quadcopter-Direct-v0: hover and spin-up against closed forms, the reset contract, and the
// mlx backend against MuJoCo (free joint, site wrench, mocap goal: the independent engine). Both
// integrate with MuJoCo's Euler, so they differ by arithmetic only (mlx float32, MuJoCo float64):
// one step to float32 rounding; under a stabilising attitude and height controller (each backend
// acting on its own state) the differences stay at rounding level over the compared 298 steps,
// because the closed loop damps them (the open-loop translation is a double integrator: errors
// would grow only polynomially).
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/quadcopter_env.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::sim {
namespace {

std::vector<float> host(const mx::array& a) {
  auto c = mx::astype(a, mx::float32);
  mx::eval(c);
  return {c.data<float>(), c.data<float>() + c.size()};
}

// At rest at (0, 0, 0.5), level, goal `g`.
std::vector<float> rest_state(int n, float gx = 0, float gy = 0, float gz = 1) {
  std::vector<float> s(16 * n, 0.0f);
  for (int i = 0; i < n; ++i) s[16 * i + 2] = 0.5f, s[16 * i + 3] = 1, s[16 * i + 13] = gx, s[16 * i + 14] = gy, s[16 * i + 15] = gz;
  return s;
}

TEST(SimQuadcopter, SpecIsIsaacLabs) {
  const auto& t = find_task("Isaac-Quadcopter-Direct-v0");
  EXPECT_EQ(t.spec.obs_dim, 12);
  EXPECT_EQ(t.spec.action_dim, 4);
  EXPECT_EQ(t.spec.max_episode_length(), 500);
  EXPECT_NEAR(t.spec.max_return, 149.7, 1e-9);
}

// a0 = 2 / 1.9 - 1 holds the body up exactly; a yaw moment a3 spins it up at tau / Izz per second.
TEST(SimQuadcopter, HoverAndSpinUpFollowClosedForms) {
  mx::set_default_device(mx::Device::cpu);
  const QuadcopterParams p;
  auto env = make_env("quadcopter", {2, 1});
  auto s = rest_state(2, 0, 0, 0.5f);
  env->set_state(mx::array(s.data(), {2, 16}));
  const float hover = float(2 / p.thrust_to_weight - 1);
  std::vector<float> act = {hover, 0, 0, 0, hover, 0, 0, 0.5f};
  auto a = mx::array(act.data(), {2, 4});
  mx::array reward = mx::array(0.0f);
  for (int k = 0; k < 10; ++k) reward = env->step(a).reward;
  auto st = host(env->state()), rw = host(reward);
  EXPECT_NEAR(st[2], 0.5, 1e-5);
  EXPECT_NEAR(st[9], 0.0, 1e-5);
  EXPECT_NEAR(rw[0], 0.02 * 15, 1e-5);  // at the goal, at rest
  // 20 substeps of dt 0.01 with 0.005 N m about z: w_z = 20 * 0.01 * 0.005 / Izz.
  const double wz = 20 * 0.01 * 0.005 / p.inertia[2];
  EXPECT_NEAR(st[16 + 12], wz, 1e-4 * wz);
  // Yaw angle: the semi-implicit sum dt * sum_k (k dt tau / Izz), k = 1..20.
  const double yaw = 0.01 * 0.01 * 0.005 / p.inertia[2] * (20 * 21 / 2);
  EXPECT_NEAR(2 * std::atan2(st[16 + 6], st[16 + 3]), yaw, 1e-4 * yaw);
  EXPECT_NEAR(st[16 + 2], 0.5, 1e-5);  // a spin about the thrust axis leaves the height alone
}

TEST(SimQuadcopter, FullResetSpreadsEpisodeCountersAListDoesNot) {
  mx::set_default_device(mx::Device::cpu);
  auto env = make_env("quadcopter", {256, 3});
  auto len = host(env->episode_length());
  float lo = 1e9f, hi = -1;
  for (float v : len) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, 0);
  EXPECT_LT(hi, 500);
  EXPECT_GT(hi - lo, 300);  // 256 draws from [0, 500)
  std::vector<int> all(256);
  for (int i = 0; i < 256; ++i) all[i] = i;
  env->reset(all);
  for (float v : host(env->episode_length())) EXPECT_EQ(v, 0);
  auto s = host(env->state());
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ(s[16 * i + 2], 0.5f);
    EXPECT_LE(std::abs(s[16 * i + 13]), 2.0f);
    EXPECT_GE(s[16 * i + 15], 0.5f);
    EXPECT_LE(s[16 * i + 15], 1.5f);
  }
}

class QuadcopterParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mujoco_built()) GTEST_SKIP() << "this build has no mujoco backend (scripts/setup installs mujoco-core)";
    mx::set_default_device(mx::Device::cpu);
  }
};

TEST_F(QuadcopterParity, OneStepAgreesToFloat32Rounding) {
  const int n = 256;
  auto a = make_env("quadcopter", {n, 1, "mlx"}), b = make_env("quadcopter", {n, 1, "mujoco"});
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  a->reset(all), b->reset(all);  // counters at 0 (the full reset spread them): no time-out now
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> s(16 * n), act(4 * n);
  for (int i = 0; i < n; ++i) {
    float* q = &s[16 * i];
    q[0] = u(rng), q[1] = u(rng), q[2] = 1 + 0.5f * u(rng);
    float norm = 0;
    for (int k = 3; k < 7; ++k) q[k] = u(rng), norm += q[k] * q[k];
    for (int k = 3; k < 7; ++k) q[k] /= std::sqrt(norm);
    for (int k = 7; k < 13; ++k) q[k] = 2 * u(rng);
    for (int k = 13; k < 16; ++k) q[k] = u(rng);
    for (int k = 0; k < 4; ++k) act[4 * i + k] = 1.5f * u(rng);  // past [-1, 1]: both clamp
  }
  a->set_state(mx::array(s.data(), {n, 16}));
  b->set_state(mx::array(s.data(), {n, 16}));
  auto oa = host(a->observations()), ob = host(b->observations());
  for (int i = 0; i < 12 * n; ++i) ASSERT_NEAR(oa[i], ob[i], 1e-5 * (1 + std::abs(ob[i]))) << i;
  auto ra = a->step(mx::array(act.data(), {n, 4})), rb = b->step(mx::array(act.data(), {n, 4}));
  auto sa = host(a->state()), sb = host(b->state()), wa = host(ra.reward), wb = host(rb.reward);
  auto ta = host(ra.terminated), tb = host(rb.terminated);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(ta[i], tb[i]) << i;
    if (ta[i]) continue;  // reset to different goals
    for (int k = 0; k < 16; ++k)
      worst = std::max(worst, std::abs(double(sa[16 * i + k]) - sb[16 * i + k]) / (1 + std::abs(sb[16 * i + k])));
    EXPECT_NEAR(wa[i], wb[i], 1e-5);
  }
  std::cout << "one step: max |mlx - mujoco| / (1 + |x|) = " << worst << "\n";
  EXPECT_LT(worst, 2e-6);  // measured 2.8e-7
}

// PD attitude (from the quaternion's vector part, natural frequency 20 rad/s) and height hold.
mx::array hover_policy(const std::vector<float>& s, int n) {
  std::vector<float> a(4 * n);
  const float hover = float(2 / 1.9 - 1);
  for (int i = 0; i < n; ++i) {
    const float* q = &s[16 * i];
    const float sign = q[3] < 0 ? -1.0f : 1.0f;
    a[4 * i] = std::clamp(hover + 0.4f * (1.0f - q[2]) - 0.3f * q[9], -1.0f, 1.0f);
    for (int k = 0; k < 3; ++k) a[4 * i + 1 + k] = std::clamp(-0.66f * 2 * sign * q[4 + k] - 0.066f * q[10 + k], -1.0f, 1.0f);
  }
  return mx::array(a.data(), {n, 4});
}

TEST_F(QuadcopterParity, ClosedLoopEpisodeStaysWithinBound) {
  const int n = 32;
  auto a = make_env("quadcopter", {n, 2, "mlx"}), b = make_env("quadcopter", {n, 2, "mujoco"});
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  a->reset(all), b->reset(all);  // counters at 0: the time-out is 499 steps away
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> u(-0.2f, 0.2f);
  auto s = rest_state(n);
  for (int i = 0; i < n; ++i) {  // tilted and spinning starts
    for (int k = 4; k < 7; ++k) s[16 * i + k] = u(rng);
    for (int k = 10; k < 13; ++k) s[16 * i + k] = 10 * u(rng);
    const float* q = &s[16 * i + 3];
    const float norm = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    for (int k = 3; k < 7; ++k) s[16 * i + k] /= norm;
  }
  a->set_state(mx::array(s.data(), {n, 16}));
  b->set_state(mx::array(s.data(), {n, 16}));
  double worst = 0, worst_reward = 0;
  for (int step = 1; step <= 298; ++step) {
    auto ra = a->step(hover_policy(host(a->state()), n)), rb = b->step(hover_policy(host(b->state()), n));
    auto ea = host(ra.terminated), eb = host(rb.terminated), wa = host(ra.reward), wb = host(rb.reward);
    for (int i = 0; i < n; ++i) ASSERT_FALSE(ea[i] || eb[i]) << "the controller keeps every body in the air";
    for (int i = 0; i < n; ++i) worst_reward = std::max(worst_reward, double(std::abs(wa[i] - wb[i])));
    auto sa = host(a->state()), sb = host(b->state());
    for (int i = 0; i < 16 * n; ++i) worst = std::max(worst, double(std::abs(sa[i] - sb[i])));
  }
  std::cout << "closed loop, 298 steps: max |mlx - mujoco| = " << worst << ", rewards " << worst_reward << "\n";
  EXPECT_LT(worst, 1e-4);         // measured 1.6e-5
  EXPECT_LT(worst_reward, 1e-5);  // measured 7.3e-7
}

}  // namespace
}  // namespace robomlx::sim
