// SPDX-License-Identifier: Apache-2.0
// Isaac's locomotion terms on gymnasium's ant and humanoid (mujoco backend): observation layout
// and reward terms from the state on the host, the death cost, and a bad model.
#include <algorithm>
#include <cmath>
#include <fstream>
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

class Locomotion : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mujoco_built()) GTEST_SKIP() << "this build has no mujoco backend (scripts/setup installs mujoco-core)";
    mx::set_default_device(mx::Device::cpu);
  }
};

// The ant stands on its own at zero torque: every step earns alive 0.5 + up 0.1 + heading 0.5
// (it faces +x), minus the joints past 98 % of their range, plus progress (torso x change / dt,
// about 0 while it settles). Observations: torso z first, the last actions last.
TEST_F(Locomotion, AntObservationsAndRewardsFollowIsaacsTerms) {
  auto env = make_env("Isaac-Ant-Direct-v0", {4, 1, "mujoco", ""});
  ASSERT_EQ(env->spec().obs_dim, 36);
  ASSERT_EQ(env->spec().max_episode_length(), 900);
  const int nq = 15;
  auto prev = host(env->state());
  std::vector<float> act(4 * 8, 0.0f);
  for (int step = 0; step < 30; ++step) {
    if (step == 29)
      for (int i = 0; i < 4 * 8; ++i) act[i] = 0.25f * float(i % 8) / 8;
    auto r = env->step(mx::array(act.data(), {4, 8}));
    auto st = host(env->state()), obs = host(r.obs), rew = host(r.reward), term = host(r.terminated);
    for (int e = 0; e < 4; ++e) {
      ASSERT_FALSE(term[e]);
      const float* s = &st[e * 29];
      const float* o = &obs[e * 36];
      EXPECT_NEAR(o[0], s[2], 1e-6);                   // torso height
      EXPECT_NEAR(o[10], 1.0, 0.05);                   // up projection: upright
      EXPECT_NEAR(o[11], 1.0, 0.05);                   // heading projection: facing +x
      // Joint velocities x 0.2 in actuator order (gymnasium lists the ant's motors in another order
      // than its joints): the same values, sorted.
      std::vector<float> ov(o + 20, o + 28), sv;
      for (int j = 0; j < 8; ++j) sv.push_back(s[nq + 6 + j] * 0.2f);
      std::sort(ov.begin(), ov.end()), std::sort(sv.begin(), sv.end());
      for (int j = 0; j < 8; ++j) EXPECT_NEAR(ov[j], sv[j], 1e-5);
      for (int j = 0; j < 8; ++j) EXPECT_FLOAT_EQ(o[28 + j], act[e * 8 + j]);
      int at_limit = 0;
      for (int j = 0; j < 8; ++j) at_limit += o[12 + j] > 0.98f;
      double cost = 0, energy = 0;
      for (int j = 0; j < 8; ++j) cost += act[e * 8 + j] * act[e * 8 + j], energy += std::abs(act[e * 8 + j] * o[20 + j]);
      const double progress = (s[0] - prev[e * 29]) * 120.0;  // -|1000 - x| / sim dt, x << 1000
      EXPECT_NEAR(rew[e], progress + 0.5 + 0.1 + 0.5 - 0.005 * cost - 0.05 * energy - at_limit, 2e-3) << step;
    }
    prev = st;
  }
}

// Gymnasium's humanoid at zero torque falls: the step its torso passes 0.8 m ends the episode
// with the death cost -1 and a fresh, standing start.
TEST_F(Locomotion, HumanoidFallsIntoTheDeathCost) {
  auto env = make_env("humanoid", {2, 1, "mujoco", ""});
  ASSERT_EQ(env->spec().obs_dim, 63);
  int deaths = 0;
  for (int step = 0; step < 120 && deaths == 0; ++step) {
    auto r = env->step(mx::zeros({2, 17}));
    auto term = host(r.terminated), rew = host(r.reward), obs = host(r.obs);
    for (int e = 0; e < 2; ++e) {
      if (!term[e]) continue;
      ++deaths;
      EXPECT_FLOAT_EQ(rew[e], -1.0f);
      EXPECT_GT(obs[e * 63], 1.3f);  // the observation is the reset's: torso at 1.4 m
    }
  }
  EXPECT_GT(deaths, 0);
}

TEST_F(Locomotion, ModelWithoutTheRobotsActuatorsIsAFormatError) {
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/one.xml") << "<mujoco><worldbody><body><freejoint/><geom size=\"0.1\"/><body><joint name=\"h\"/>"
                                     "<geom size=\"0.1\"/></body></body></worldbody><actuator><motor joint=\"h\"/>"
                                     "</actuator></mujoco>";
  EXPECT_THROW(make_env("ant", {2, 1, "mujoco", dir + "/one.xml"}), FormatError);
  EXPECT_THROW(make_env("ant", {2, 1, "mlx", ""}), UnsupportedFeatureError);
}

}  // namespace
}  // namespace robomlx::sim
