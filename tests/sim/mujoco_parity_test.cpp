// SPDX-License-Identifier: Apache-2.0
// mlx vs mujoco on Isaac-Cartpole-Direct-v0: the same initial states and actions must give the
// same trajectories. Both integrate the same equations with MuJoCo's Euler (implicit damping), so
// the only difference is arithmetic: mlx in float32, MuJoCo in float64. Bounds below are stated
// from that: one step agrees to float32 rounding; in closed loop (a stabilising linear policy,
// each backend acting on its own state) rounding errors are damped and stay small over the whole
// episode; open loop they grow with the upright pole's instability, e^(4.26 t) (the linearised
// model's unstable eigenvalue), so one second multiplies them by ~70.
#include <cmath>
#include <fstream>
#include <iostream>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/sim_tasks.h"
#include "support.h"

namespace robomlx::sim {
namespace {

std::vector<float> host(const mx::array& a) {
  auto c = mx::astype(a, mx::float32);
  mx::eval(c);
  return {c.data<float>(), c.data<float>() + c.size()};
}

// Discrete LQR gains for the linearised cartpole at dt 1/60 (Q diag(1, 10, 0.1, 0.1), R 1), state
// order [x, th, vx, vth]: a = -K s. Closed-loop spectral radius 0.98.
constexpr float kK[4] = {-0.6534f, -3.8595f, -0.8368f, -0.8424f};

mx::array lqr_actions(const std::vector<float>& state, int n) {
  std::vector<float> a(n);
  for (int i = 0; i < n; ++i) {
    double u = 0;
    for (int k = 0; k < 4; ++k) u -= kK[k] * state[4 * i + k];
    a[i] = float(std::clamp(u, -1.0, 1.0));
  }
  return mx::array(a.data(), {n, 1});
}

class MujocoParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mujoco_built()) GTEST_SKIP() << "this build has no mujoco backend (scripts/setup installs mujoco-core)";
    mx::set_default_device(mx::Device::cpu);
  }
};

TEST_F(MujocoParity, OneStepAgreesToFloat32Rounding) {
  const int n = 256;
  auto a = make_env("cartpole", {n, 1, "mlx", ""}), b = make_env("cartpole", {n, 1, "mujoco", ""});
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> s(4 * n), act(n);
  for (int i = 0; i < n; ++i) {
    s[4 * i] = 2 * u(rng), s[4 * i + 1] = 0.5f * u(rng), s[4 * i + 2] = u(rng), s[4 * i + 3] = u(rng);
    act[i] = 6 * u(rng);  // up to 600 N asked: the 400 N effort limit must clamp both alike
  }
  a->set_state(mx::array(s.data(), {n, 4}));
  b->set_state(mx::array(s.data(), {n, 4}));
  auto ra = a->step(mx::array(act.data(), {n, 1})), rb = b->step(mx::array(act.data(), {n, 1}));
  auto sa = host(a->state()), sb = host(b->state()), wa = host(ra.reward), wb = host(rb.reward);
  double worst = 0;
  for (int i = 0; i < 4 * n; ++i) worst = std::max(worst, std::abs(double(sa[i]) - sb[i]) / (1 + std::abs(sb[i])));
  std::cout << "one step: max |mlx - mujoco| / (1 + |x|) = " << worst << "\n";
  EXPECT_LT(worst, 2e-6);  // measured 3.1e-7
  for (int i = 0; i < n; ++i) EXPECT_NEAR(wa[i], wb[i], 1e-5 * (1 + std::abs(wb[i])));
}

// A whole episode (298 steps compared, then both time out at step 299) under the LQR policy.
TEST_F(MujocoParity, ClosedLoopEpisodeStaysWithinBound) {
  const int n = 64;
  auto a = make_env("cartpole", {n, 2, "mlx", ""}), b = make_env("cartpole", {n, 2, "mujoco", ""});
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  std::vector<float> s(4 * n, 0.0f);
  for (int i = 0; i < n; ++i) s[4 * i + 1] = u(rng);
  a->set_state(mx::array(s.data(), {n, 4}));
  b->set_state(mx::array(s.data(), {n, 4}));
  a->reset({}), b->reset({});  // zero the episode counters ...
  a->set_state(mx::array(s.data(), {n, 4}));  // ... then start both from the same states
  b->set_state(mx::array(s.data(), {n, 4}));
  double worst = 0;
  for (int step = 1; step <= 299; ++step) {
    auto ra = a->step(lqr_actions(host(a->state()), n)), rb = b->step(lqr_actions(host(b->state()), n));
    auto ta = host(ra.truncated), tb = host(rb.truncated), ea = host(ra.terminated), eb = host(rb.terminated);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(ta[i], tb[i]) << step;
      ASSERT_FALSE(ea[i] || eb[i]) << "the LQR policy keeps every pole up";
      EXPECT_EQ(bool(ta[i]), step == 299);
    }
    if (step == 299) break;
    auto sa = host(a->state()), sb = host(b->state());
    for (int i = 0; i < 4 * n; ++i) worst = std::max(worst, double(std::abs(sa[i] - sb[i])));
  }
  std::cout << "closed loop, 298 steps: max |mlx - mujoco| = " << worst << "\n";
  EXPECT_LT(worst, 1e-5);  // measured 1.1e-6
}

// Open loop: MuJoCo's actions replayed on mlx. Errors grow as e^(4.26 t) from float32 rounding.
TEST_F(MujocoParity, OpenLoopOneSecondGrowsAsTheInstabilityPredicts) {
  const int n = 64, steps = 60;
  auto a = make_env("cartpole", {n, 3, "mlx", ""}), b = make_env("cartpole", {n, 3, "mujoco", ""});
  std::vector<float> s(4 * n, 0.0f);
  for (int i = 0; i < n; ++i) s[4 * i + 1] = 0.2f * std::sin(float(i));
  a->set_state(mx::array(s.data(), {n, 4}));
  b->set_state(mx::array(s.data(), {n, 4}));
  double worst = 0;
  for (int step = 0; step < steps; ++step) {
    auto act = lqr_actions(host(b->state()), n);
    a->step(act), b->step(act);
    auto sa = host(a->state()), sb = host(b->state());
    for (int i = 0; i < 4 * n; ++i) worst = std::max(worst, double(std::abs(sa[i] - sb[i])));
  }
  std::cout << "open loop, 60 steps: max |mlx - mujoco| = " << worst << "\n";
  EXPECT_LT(worst, 1e-4);  // measured 1.4e-5: ~70 x the one-step rounding, e^(4.26 x 1 s)
}

TEST_F(MujocoParity, CorruptMjcfIsAFormatError) {
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/bad.xml") << "<mujoco><worldbody><body><joint type=\"slide\"/></body>";
  EXPECT_THROW(make_env("cartpole", {4, 1, "mujoco", dir + "/bad.xml"}), FormatError);
  std::ofstream(dir + "/one.xml") << "<mujoco><worldbody><body><joint type=\"slide\"/><geom size=\"0.1\"/></body>"
                                     "</worldbody></mujoco>";
  try {
    make_env("cartpole", {4, 1, "mujoco", dir + "/one.xml"});
    ADD_FAILURE() << "a one-joint model must be refused";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("[sim.mjcf]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_env("cartpole", {4, 1, "mujoco", dir + "/missing.xml"}), FormatError);
}

// 2^20 cartpoles of ~72 KiB of mjData each (76 GB) are refused before any is allocated.
TEST_F(MujocoParity, AbsurdEnvCountIsRefusedUpFront) {
  try {
    make_env("cartpole", {kMaxEnvs, 1, "mujoco", ""});
    ADD_FAILURE() << "2^20 mujoco envs must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[sim.env] 1048576 mujoco envs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace robomlx::sim
