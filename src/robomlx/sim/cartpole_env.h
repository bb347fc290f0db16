// SPDX-License-Identifier: Apache-2.0
// Isaac-Cartpole-Direct-v0 (Isaac Lab's direct workflow) on the vectorized `mlx` backend.
//
// Contract (isaaclab_tasks/direct/cartpole/cartpole_env.py): sim dt 1/120, decimation 2, 5 s
// episodes (300 env steps, time-out at step 299); action [N,1] x 100 N on slider_to_cart, unclipped
// by the task (the actuator's effort limit 400 N clamps it); observation [pole_pos, pole_vel,
// cart_pos, cart_vel]; reward 1.0*alive - 2.0*terminated - 1.0*pole^2 - 0.01*|cart_vel|
// - 0.005*|pole_vel|; terminated when |cart_pos| > 3 or |pole_pos| > pi/2; reset: zeros, pole
// angle + U(-pi/4, pi/4), zero velocities.
//
// Dynamics: the reduced-coordinate cart-pole (prismatic cart, revolute pole) with the asset's
// implicit cart drive (stiffness 0, damping 10 N s/m). The asset is a USD we cannot read here, so
// the inertias come from the IsaacGymEnvs cartpole URDF it was converted from: cart 1 kg; pole 1 kg
// with its centre of mass 0.47 m above the hinge and no inertia tensor authored, for which PhysX
// derives one from the collision box (0.04 x 0.06 x 1.0 m): I = m (1.0^2 + 0.06^2) / 12 about the
// hinge axis through the COM. The integrator is MuJoCo's Euler (semi-implicit, joint damping
// implicit), so the mujoco backend reproduces it step for step.
#pragma once

#include <cstdint>
#include <memory>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

struct CartpoleParams {
  double cart_mass = 1.0;      // kg
  double pole_mass = 1.0;      // kg
  double pole_com = 0.47;      // m, hinge to the pole's centre of mass
  double pole_inertia = 1.0 * (1.0 * 1.0 + 0.06 * 0.06) / 12.0;  // kg m^2 about the COM (hinge axis)
  double cart_damping = 10.0;  // N s/m, the implicit actuator's velocity gain (target velocity 0)
  double effort_limit = 400.0; // N
  double gravity = 9.81;       // m/s^2
  double action_scale = 100.0; // N per unit action
  double max_cart_pos = 3.0;   // m
  double reset_angle = 0.25;   // x pi: initial pole angle ~ U(-0.25 pi, 0.25 pi)
};

TaskSpec cartpole_spec();

/// The mlx backend's cartpole: every env in one array program on the default device.
std::unique_ptr<SimBackend> make_cartpole_mlx(int num_envs, std::uint64_t seed, const CartpoleParams& params = {});

}  // namespace robomlx::sim
