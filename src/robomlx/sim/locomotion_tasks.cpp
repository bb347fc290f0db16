// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/locomotion_tasks.h"

#include <stdexcept>

namespace robomlx::sim {

namespace {

TaskSpec locomotion_spec(const std::string& id, const std::string& name, int actions, int nq, int nv) {
  TaskSpec s;
  s.id = id;
  s.name = name;
  s.obs_dim = 12 + 3 * actions;
  s.action_dim = actions;
  s.state_dim = nq + nv;
  s.physics_dt = 1.0 / 120.0;
  s.decimation = 2;
  s.episode_length_s = 15.0;
  s.max_return = 0;  // progress is unbounded: no "% of max"
  return s;
}

}  // namespace

TaskSpec ant_spec() { return locomotion_spec("Isaac-Ant-Direct-v0", "ant", 8, 15, 14); }
TaskSpec humanoid_spec() { return locomotion_spec("Isaac-Humanoid-Direct-v0", "humanoid", 17, 24, 23); }

int forward_velocity_column(const std::string& name) {
  if (name == "ant") return 15;
  if (name == "humanoid") return 24;
  return -1;
}

LocomotionConfig locomotion_config(const std::string& name) {
  LocomotionConfig c;
  if (name == "ant") {  // Isaac Lab's AntEnvCfg
    c.model = "gymnasium/envs/mujoco/assets/ant.xml";
    c.actions = 8;
    c.action_scale = 0.5;
    c.joint_gear = 15;
    return c;
  }
  if (name == "humanoid") {  // Isaac Lab's HumanoidEnvCfg
    c.model = "gymnasium/envs/mujoco/assets/humanoid.xml";
    c.actions = 17;
    c.action_scale = 1.0;
    c.actions_cost_scale = 0.01;
    c.alive_reward_scale = 2.0;
    c.dof_vel_scale = 0.1;
    c.death_cost = -1.0;
    c.termination_height = 0.8;
    c.angular_velocity_scale = 0.25;
    c.arena_bytes = 2 << 20;
    return c;
  }
  throw std::invalid_argument("[sim.task] " + name + " is not a locomotion task");
}

}  // namespace robomlx::sim
