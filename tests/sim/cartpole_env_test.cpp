// SPDX-License-Identifier: Apache-2.0
// The mlx cartpole against a plain scalar loop in double precision, written from the equations of
// motion (Lagrange, the mass matrix inverted by hand) and Isaac Lab's DirectRLEnv step order.
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/sim/cartpole_env.h"
#include "robomlx/sim/sim_tasks.h"
#include "support.h"

namespace robomlx::sim {
namespace {

struct Ref {  // one env, double precision
  double x = 0, th = 0, vx = 0, vth = 0;
  int len = 0;
};

struct RefOut {
  double reward;
  bool terminated, truncated;
};

// One env step: 2 substeps of semi-implicit Euler with the cart damping taken implicitly.
RefOut ref_step(Ref& s, double action) {
  const double mc = 1, mp = 1, l = 0.47, g = 9.81, d = 10, dt = 1.0 / 120;
  const double f = std::clamp(100.0 * action, -400.0, 400.0);
  for (int k = 0; k < 2; ++k) {
    const double I = mp * (1.0 + 0.06 * 0.06) / 12 + mp * l * l;  // box pole, about the hinge
    // Lagrange: (mc+mp) x'' + mp l cos th th'' - mp l sin th th'^2 = f - d x'
    //           mp l cos th x'' + I th'' - mp g l sin th = 0
    // with the damping force -d (x' + dt x'') (implicit in the new velocity).
    const double a = mc + mp + dt * d, b = mp * l * std::cos(s.th), c = I;
    const double r1 = f + mp * l * std::sin(s.th) * s.vth * s.vth - d * s.vx;
    const double r2 = mp * g * l * std::sin(s.th);
    const double inv = 1.0 / (a * c - b * b);
    const double ax = inv * (c * r1 - b * r2), ath = inv * (a * r2 - b * r1);
    s.vx += dt * ax;
    s.vth += dt * ath;
    s.x += dt * s.vx;
    s.th += dt * s.vth;
  }
  s.len += 1;
  const bool term = std::abs(s.x) > 3.0 || std::abs(s.th) > std::numbers::pi / 2;
  const bool trunc = s.len >= 300 - 1;
  const double t = term ? 1.0 : 0.0;
  const double rew = (1 - t) - 2 * t - s.th * s.th - 0.01 * std::abs(s.vx) - 0.005 * std::abs(s.vth);
  return {rew, term, trunc};
}

std::vector<float> host(const mx::array& a) {
  auto c = mx::astype(a, mx::float32);
  mx::eval(c);
  return {c.data<float>(), c.data<float>() + c.size()};
}

TEST(SimCartpole, SpecIsIsaacLabs) {
  const TaskSpec s = cartpole_spec();
  EXPECT_EQ(s.id, "Isaac-Cartpole-Direct-v0");
  EXPECT_EQ(s.max_episode_length(), 300);
  EXPECT_DOUBLE_EQ(s.step_dt(), 1.0 / 60);
  EXPECT_EQ(s.obs_dim, 4);
  EXPECT_EQ(s.action_dim, 1);
}

// Every step of 600 (two episodes' worth, random actions incl. beyond the effort limit) against the
// reference started from the env's own state: one-step errors stay at float32 rounding (1e-4).
// Envs the env reset are re-synchronised from its state (the reset draws are its own).
TEST(SimCartpole, StepMatchesScalarLoop) {
  const int n = 64;
  auto env = make_cartpole_mlx(n, 7);
  std::vector<Ref> ref(n);
  auto sync = [&](const std::vector<float>& st, const std::vector<float>& len, int i) {
    ref[i] = {st[4 * i], st[4 * i + 1], st[4 * i + 2], st[4 * i + 3], int(len[i])};
  };
  {
    auto st = host(env->state()), len = host(env->episode_length());
    for (int i = 0; i < n; ++i) sync(st, len, i);
  }
  std::mt19937 rng(3);
  std::normal_distribution<double> nd(0.0, 2.0);
  int terminated = 0, truncated = 0;
  for (int step = 0; step < 600; ++step) {
    std::vector<float> act(n);
    for (auto& a : act) a = float(nd(rng));
    auto r = env->step(mx::array(act.data(), {n, 1}));
    auto rew = host(r.reward), term = host(r.terminated), trunc = host(r.truncated), obs = host(r.obs);
    auto st = host(env->state()), len = host(env->episode_length());
    for (int i = 0; i < n; ++i) {
      Ref before = ref[i];
      RefOut o = ref_step(ref[i], act[i]);
      ASSERT_EQ(bool(term[i]), o.terminated) << "env " << i << " step " << step;
      ASSERT_EQ(bool(trunc[i]), o.truncated) << "env " << i << " step " << step;
      ASSERT_NEAR(rew[i], o.reward, 2e-4 * (1 + std::abs(o.reward))) << "env " << i << " step " << step;
      if (o.terminated || o.truncated) {
        // The reset: zero cart, zero velocities, pole in [-pi/4, pi/4], counter 0; obs is the fresh state.
        EXPECT_EQ(st[4 * i], 0.0f);
        EXPECT_EQ(st[4 * i + 2], 0.0f);
        EXPECT_LE(std::abs(st[4 * i + 1]), std::numbers::pi / 4 + 1e-6);
        EXPECT_EQ(len[i], 0.0f);
        EXPECT_EQ(obs[4 * i], st[4 * i + 1]);
        terminated += o.terminated, truncated += o.truncated;
        sync(st, len, i);
        continue;
      }
      const double want[4] = {ref[i].th, ref[i].vth, ref[i].x, ref[i].vx};
      for (int k = 0; k < 4; ++k)
        ASSERT_NEAR(obs[4 * i + k], want[k], 1e-4 * (1 + std::abs(want[k]))) << "env " << i << " obs " << k;
      (void)before;
      sync(st, len, i);  // one-step comparisons: no float32 drift accumulates
    }
  }
  EXPECT_GT(terminated, 10);  // random pushes topple poles and hit the rails
}

// Upright and still is an equilibrium: every step earns exactly 1 and the episode times out after
// max_episode_length - 1 = 299 steps (DirectRLEnv: time_out = buf >= max_len - 1).
TEST(SimCartpole, EquilibriumTimesOutAt299) {
  const int n = 4;
  auto env = make_cartpole_mlx(n, 1);
  env->set_state(mx::zeros({n, 4}));
  double ret = 0;
  for (int step = 1; step <= 299; ++step) {
    auto r = env->step(mx::zeros({n, 1}));
    auto rew = host(r.reward), trunc = host(r.truncated), term = host(r.terminated);
    ret += rew[0];
    EXPECT_EQ(bool(trunc[0]), step == 299) << step;
    EXPECT_FALSE(bool(term[0]));
  }
  EXPECT_DOUBLE_EQ(ret, 299.0);
  EXPECT_EQ(host(env->episode_length())[0], 0.0f);
}

TEST(SimCartpole, RailEndTerminatesWithPenalty) {
  auto env = make_cartpole_mlx(1, 1);
  env->set_state(mx::array({2.99f, 0.0f, 10.0f, 0.0f}, {1, 4}));
  auto r = env->step(mx::zeros({1, 1}));
  EXPECT_TRUE(host(r.terminated)[0]);
  EXPECT_LT(host(r.reward)[0], -2.0f);  // -2 and no alive bonus, minus the velocity terms
}

TEST(SimCartpole, ResetDrawsAnglesInQuarterPi) {
  const int n = 4096;
  auto env = make_cartpole_mlx(n, 11);
  auto st = host(env->state());
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(st[4 * i], 0.0f);
    EXPECT_LE(std::abs(st[4 * i + 1]), std::numbers::pi / 4 + 1e-6);
    sum += st[4 * i + 1], sq += st[4 * i + 1] * st[4 * i + 1];
  }
  // U(-a, a): mean 0, variance a^2 / 3 (a = pi/4): 4096 draws put the mean within 0.04.
  EXPECT_NEAR(sum / n, 0.0, 0.04);
  EXPECT_NEAR(sq / n, std::pow(std::numbers::pi / 4, 2) / 3, 0.02);
  // Partial reset touches only the listed envs.
  env->set_state(mx::ones({n, 4}));
  env->reset({5});
  st = host(env->state());
  EXPECT_EQ(st[4 * 5], 0.0f);
  EXPECT_EQ(st[4 * 6], 1.0f);
}

TEST(SimCartpole, BadInputIsOneTaggedError) {
  EXPECT_THROW(make_env("nope", {}), std::invalid_argument);
  try {
    make_env("nope", {});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[sim.task] unknown task 'nope'"), std::string::npos);
  }
  EXPECT_THROW(make_env("cartpole", {0}), std::invalid_argument);
  EXPECT_THROW(make_env("cartpole", {kMaxEnvs + 1}), std::invalid_argument);
  EXPECT_THROW(make_env("cartpole", {4, 1, "bullet"}), std::invalid_argument);
  EXPECT_THROW(make_env("cartpole", {4, 1, "mlx", "model.xml"}), std::invalid_argument);  // --mjcf is mujoco's
  auto env = make_env("Isaac-Cartpole-Direct-v0", {4});
  EXPECT_THROW(env->reset({4}), std::invalid_argument);
  EXPECT_THROW(env->step(mx::zeros({3, 1})), std::invalid_argument);
  // Every mlx task checks reset ids the same way (reset_mask), and resets only what it names.
  for (const char* task : {"cartpole", "cart_double_pendulum", "quadcopter"}) {
    auto e = make_env(task, {3});
    EXPECT_THROW_MSG(e->reset({-1}), std::invalid_argument, "[sim.reset] env id must be in [0, 3), got -1");
    EXPECT_THROW_MSG(e->reset({3}), std::invalid_argument, "[sim.reset] env id must be in [0, 3), got 3");
  }
}

}  // namespace
}  // namespace robomlx::sim
