// SPDX-License-Identifier: Apache-2.0
// Isaac-Quadcopter-Direct-v0 on the mlx backend: a rigid body (6 DoF, not a point mass) driven by
// a body-frame thrust along z and body-frame moments. Contract from Isaac Lab: dt 1/100,
// decimation 2, 10 s episodes (500 steps); actions clamped to [-1, 1], thrust 1.9 m g (a0 + 1) / 2,
// moments 0.01 a[1:4] N m; observation [lin_vel_b, ang_vel_b, projected_gravity_b, goal_b] (12);
// reward step_dt (-0.05 |v_b|^2 - 0.01 |w_b|^2 + 15 (1 - tanh(|goal - p| / 0.8))); died when
// z < 0.1 or z > 2; resets put the body at (0, 0, 0.5) at rest and draw the goal from
// U(-2, 2) x U(-2, 2) x U(0.5, 1.5); a reset of all envs spreads the episode counters.
//
// Body: the Crazyflie 2 of Isaac's cf2x.usd, which cannot be read here: mass 0.027 kg (Bitcraze's
// figure) and principal inertia (1.66e-5, 1.66e-5, 2.93e-5) kg m^2 (Forster's 2015 system
// identification of the Crazyflie 2.0), stated, not measured. The ground is left out: the body
// dies at z < 0.1 before it could touch it.
//
// Integrator: MuJoCo's Euler on a free joint (as the mujoco backend runs it): linear velocity in
// the world frame, angular velocity in the body frame, v += dt a, then p += dt v and
// q <- q (x) exp(w dt / 2). State (16): position, quaternion (w, x, y, z), world linear velocity,
// body angular velocity, goal.
#pragma once

#include <cstdint>
#include <memory>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

struct QuadcopterParams {
  double mass = 0.027;                          // kg
  double inertia[3] = {1.66e-5, 1.66e-5, 2.93e-5};  // kg m^2, principal, body axes
  double gravity = 9.81;
  double thrust_to_weight = 1.9;
  double moment_scale = 0.01;                   // N m per unit action
  double start_height = 0.5;                    // m
  double min_height = 0.1, max_height = 2.0;    // m: died outside
  double goal_xy = 2.0;                         // goal x, y ~ U(-goal_xy, goal_xy)
  double goal_z_low = 0.5, goal_z_high = 1.5;
  double lin_vel_scale = -0.05, ang_vel_scale = -0.01, distance_scale = 15.0, distance_width = 0.8;
};

TaskSpec quadcopter_spec();

/// All envs in one compiled array program on the default device.
std::unique_ptr<SimBackend> make_quadcopter_mlx(int num_envs, std::uint64_t seed, const QuadcopterParams& params = {});

}  // namespace robomlx::sim
