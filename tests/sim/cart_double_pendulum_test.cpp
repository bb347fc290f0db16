// SPDX-License-Identifier: Apache-2.0
// Isaac-Cart-Double-Pendulum-Direct-v0: the contract (timing, layouts, rewards with wrapped
// angles) against host formulas, and the mlx backend against MuJoCo (the independent engine,
// integrating its own MJCF of the same constants). Both use MuJoCo's Euler, so they differ by
// arithmetic only (mlx float32, MuJoCo float64): one step agrees to float32 rounding; under a
// stabilising LQR policy (each backend acting on its own state) rounding stays damped for the
// whole episode. Open loop the upright chain's unstable mode, e^(7.6 t), would amplify it.
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::sim {
namespace {

std::vector<float> host(const mx::array& a) {
  auto c = mx::astype(a, mx::float32);
  mx::eval(c);
  return {c.data<float>(), c.data<float>() + c.size()};
}

double wrap(double a) { return a - 2 * std::numbers::pi * std::floor((a + std::numbers::pi) / (2 * std::numbers::pi)); }

TEST(SimCartDoublePendulum, SpecIsIsaacLabs) {
  const auto& t = find_task("Isaac-Cart-Double-Pendulum-Direct-v0");
  EXPECT_EQ(t.spec.name, "cart_double_pendulum");
  EXPECT_EQ(t.spec.obs_dim, 7);
  EXPECT_EQ(t.spec.action_dim, 2);
  EXPECT_EQ(t.spec.max_episode_length(), 300);
  EXPECT_DOUBLE_EQ(t.spec.max_return, 598.0);
}

// Rewards and observations from the post-step state, by the formulas of the task spec; the
// pendulum starts past pi so the wrap matters.
TEST(SimCartDoublePendulum, RewardsAndObservationsFollowTheContract) {
  mx::set_default_device(mx::Device::cpu);
  const int n = 3;
  auto env = make_env("cart_double_pendulum", {n, 1});
  std::vector<float> s = {0.5f, 0.2f, 4.0f, 0.3f, -0.5f, 1.0f,  //
                          -1.0f, -0.3f, -3.5f, -0.2f, 0.4f, -2.0f,  //
                          0.0f, 0.1f, 0.1f, 0.0f, 0.0f, 0.0f};
  env->set_state(mx::array(s.data(), {n, 6}));
  std::vector<float> act = {0.3f, -0.5f, -1.0f, 1.0f, 0.0f, 0.2f};
  auto r = env->step(mx::array(act.data(), {n, 2}));
  auto st = host(env->state()), rew = host(r.reward), obs = host(r.obs), term = host(r.terminated);
  for (int i = 0; i < n; ++i) {
    const float* q = &st[6 * i];
    ASSERT_FALSE(term[i]);
    const double pole = wrap(q[1]), pend = wrap(q[2]);
    const double cart = 1 - pole * pole - 0.01 * std::abs(q[3]) - 0.01 * std::abs(q[4]);
    const double pendulum = 1 - (pole + pend) * (pole + pend) - 0.01 * std::abs(q[5]);
    EXPECT_NEAR(rew[i], cart + pendulum, 1e-5) << i;
    const double want[7] = {q[0], q[3], pole, q[4], pole + pend, pend, q[5]};
    for (int k = 0; k < 7; ++k) EXPECT_NEAR(obs[7 * i + k], want[k], 1e-6) << i << " " << k;
  }
  EXPECT_GT(std::abs(st[2]), std::numbers::pi);  // unwrapped in the state, wrapped in obs and rewards
}

class CartDoublePendulumParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mujoco_built()) GTEST_SKIP() << "this build has no mujoco backend (scripts/setup installs mujoco-core)";
    mx::set_default_device(mx::Device::cpu);
  }
};

TEST_F(CartDoublePendulumParity, OneStepAgreesToFloat32Rounding) {
  const int n = 256;
  auto a = make_env("cart_double_pendulum", {n, 1, "mlx"}), b = make_env("cart_double_pendulum", {n, 1, "mujoco"});
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> s(6 * n), act(2 * n);
  for (int i = 0; i < n; ++i) {
    s[6 * i] = 2 * u(rng), s[6 * i + 1] = 0.5f * u(rng), s[6 * i + 2] = 3 * u(rng);
    for (int k = 3; k < 6; ++k) s[6 * i + k] = 2 * u(rng);
    act[2 * i] = 6 * u(rng), act[2 * i + 1] = 10 * u(rng);  // past 400 N / 400 N m: both clamp
  }
  a->set_state(mx::array(s.data(), {n, 6}));
  b->set_state(mx::array(s.data(), {n, 6}));
  auto ra = a->step(mx::array(act.data(), {n, 2})), rb = b->step(mx::array(act.data(), {n, 2}));
  auto sa = host(a->state()), sb = host(b->state()), wa = host(ra.reward), wb = host(rb.reward);
  double worst = 0;
  for (int i = 0; i < 6 * n; ++i) worst = std::max(worst, std::abs(double(sa[i]) - sb[i]) / (1 + std::abs(sb[i])));
  std::cout << "one step: max |mlx - mujoco| / (1 + |x|) = " << worst << "\n";
  EXPECT_LT(worst, 1e-5);  // measured 2.4e-6
  for (int i = 0; i < n; ++i) EXPECT_NEAR(wa[i], wb[i], 1e-4 * (1 + std::abs(wb[i])));
}

// Discrete LQR for the linearised chain at step_dt 1/60 (Q diag(1, 10, 10, 0.1, 0.1, 0.1), R I),
// state [x, t1, t2, vx, w1, w2], actions (cart, pendulum) = -K s. Closed-loop spectral radius 0.977.
constexpr float kK[2][6] = {{-0.77331f, -5.708734f, -1.769003f, -1.062883f, -1.850336f, -0.582196f},
                            {0.093361f, 0.565389f, 0.879558f, 0.123074f, 0.229315f, 0.144308f}};

mx::array lqr(const std::vector<float>& s, int n) {
  std::vector<float> a(2 * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 2; ++j) {
      double u = 0;
      for (int k = 0; k < 6; ++k) u -= kK[j][k] * s[6 * i + k];
      a[2 * i + j] = float(std::clamp(u, -1.0, 1.0));
    }
  return mx::array(a.data(), {n, 2});
}

TEST_F(CartDoublePendulumParity, ClosedLoopEpisodeStaysWithinBound) {
  const int n = 32;
  auto a = make_env("cart_double_pendulum", {n, 2, "mlx"}), b = make_env("cart_double_pendulum", {n, 2, "mujoco"});
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-0.15f, 0.15f);
  std::vector<float> s(6 * n, 0.0f);
  for (int i = 0; i < n; ++i) s[6 * i + 1] = u(rng), s[6 * i + 2] = u(rng);
  a->set_state(mx::array(s.data(), {n, 6}));
  b->set_state(mx::array(s.data(), {n, 6}));
  double worst = 0;
  for (int step = 1; step < 299; ++step) {  // both time out at step 299
    auto ra = a->step(lqr(host(a->state()), n)), rb = b->step(lqr(host(b->state()), n));
    auto ea = host(ra.terminated), eb = host(rb.terminated);
    for (int i = 0; i < n; ++i) ASSERT_FALSE(ea[i] || eb[i]) << "the LQR policy keeps every chain up";
    auto sa = host(a->state()), sb = host(b->state());
    for (int i = 0; i < 6 * n; ++i) worst = std::max(worst, double(std::abs(sa[i] - sb[i])));
  }
  std::cout << "closed loop, 298 steps: max |mlx - mujoco| = " << worst << "\n";
  EXPECT_LT(worst, 2e-5);  // measured 2.0e-6
}

}  // namespace
}  // namespace robomlx::sim
