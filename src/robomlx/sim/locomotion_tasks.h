// SPDX-License-Identifier: Apache-2.0
// Isaac-Ant-Direct-v0 and Isaac-Humanoid-Direct-v0 (Isaac Lab's LocomotionEnv) on the mujoco
// backend, with gymnasium's MJCF models read from the venv (never copied here). Isaac's terms:
// dt 1/120, decimation 2, 15 s episodes; torques action_scale x joint_gear x action on each
// actuated joint; observation [torso z, local linear velocity, local angular velocity x
// angular_velocity_scale, yaw, roll, angle to target, up projection, heading projection, joint
// positions scaled to [-1, 1] in their limits, joint velocities x dof_vel_scale, last actions];
// reward progress (potential -|target - torso|_xy / sim dt, target 1000 m along x) + alive +
// up (0.1 when up_proj > 0.93) + heading (0.5, or 0.5 heading_proj / 0.8 below 0.8)
// - actions_cost_scale |a|^2 - energy_cost_scale sum |a dof_vel dof_vel_scale| gear/max(gear)
// - (joints past 0.98 of their range), death_cost when the torso falls below termination_height
// (which ends the episode); resets to the model's default pose at rest.
//
// Where gymnasium's models differ from Isaac's assets: the ant is the same classic MuJoCo ant
// (8 hinges) and takes Isaac's gears (15) with its own actuators bypassed (torques go straight to
// the joints); gymnasium's humanoid has 17 actuated hinges, not Isaac's 21, so its observation
// is 12 + 3 x 17 = 63 wide (Isaac: 75) and its gears are the model's own torque ranges
// (gear x ctrlrange). Both keep the model's integrator (RK4) and contacts at Isaac's dt 1/120.
#pragma once

#include <string>
#include <vector>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

struct LocomotionConfig {
  std::string model;            // path under site-packages
  int actions = 0;              // the model's actuator count (obs = 12 + 3 x actions)
  double action_scale = 1.0;
  double joint_gear = 0;        // > 0: every joint's gear (Isaac's ant); 0: the model's gear x ctrlrange
  double heading_weight = 0.5, up_weight = 0.1;
  double energy_cost_scale = 0.05, actions_cost_scale = 0.005, alive_reward_scale = 0.5;
  double dof_vel_scale = 0.2, death_cost = -2.0, termination_height = 0.31, angular_velocity_scale = 1.0;
  std::size_t arena_bytes = 1 << 20;  // per mjData (MuJoCo's default is ~13 MB)
};

TaskSpec ant_spec();
TaskSpec humanoid_spec();
/// The state() column of the root's world x velocity (qvel[0], after the nq positions) for
/// "ant" and "humanoid"; -1 for other tasks.
int forward_velocity_column(const std::string& name);
/// The config of "ant" or "humanoid"; throws std::invalid_argument for other names.
LocomotionConfig locomotion_config(const std::string& name);

}  // namespace robomlx::sim
