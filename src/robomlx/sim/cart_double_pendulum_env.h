// SPDX-License-Identifier: Apache-2.0
// Isaac-Cart-Double-Pendulum-Direct-v0 (Isaac Lab's direct MARL task, two agents) on the mlx
// backend. Contract from Isaac Lab: dt 1/120, decimation 2, 5 s episodes (300 steps); agent `cart`
// pushes the cart (action x 100 N on slider_to_cart), agent `pendulum` twists the pendulum joint
// (action x 50 N m on pole_to_pendulum); cart_to_pole is passive. Observations [cart_pos, cart_vel,
// wrap(pole), pole_vel | wrap(pole) + wrap(pend), wrap(pend), pend_vel]; rewards per agent
// (alive 1, termination -2, -(angle)^2, -0.01 |velocities|); terminated when |cart| > 3 or
// |pole| > pi/2; resets draw pole and pendulum angles from U(-pi/4, pi/4).
//
// Behind the single-agent SimBackend seam the two agents are one centralised agent: actions
// [N, 2] = (cart, pendulum), observations [N, 7] = the concatenation (Isaac's state_space -1), and
// the reward is the sum of the two agents' rewards (max 2 x 299).
//
// Dynamics: the cart of cartpole_env.h (1 kg, implicit damping 10 N s/m, 400 N) carrying two
// copies of its pole in a chain: each 1 kg with its COM 0.47 m above its hinge and the
// 0.04 x 0.06 x 1.0 m box's inertia, the pendulum hinge 1.0 m above the pole hinge. The USD asset
// cannot be read here: these masses and lengths are stated, not measured. Integrator: MuJoCo's
// Euler (implicit cart damping), as the mujoco backend runs it.
#pragma once

#include <cstdint>
#include <memory>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

struct CartDoublePendulumParams {
  double cart_mass = 1.0;        // kg
  double link_mass = 1.0;        // kg, pole and pendulum alike
  double link_com = 0.47;        // m, each link's hinge to its centre of mass
  double link_inertia = (1.0 * 1.0 + 0.06 * 0.06) / 12.0;  // kg m^2 about the COM (hinge axis)
  double pole_length = 1.0;      // m, pole hinge to pendulum hinge
  double cart_damping = 10.0;    // N s/m
  double effort_limit = 400.0;   // N and N m (every actuator of the asset)
  double cart_action_scale = 100.0;     // N
  double pendulum_action_scale = 50.0;  // N m
  double gravity = 9.81;
  double max_cart_pos = 3.0;
  double reset_angle = 0.25;     // x pi
};

TaskSpec cart_double_pendulum_spec();

/// All envs in one compiled array program on the default device.
std::unique_ptr<SimBackend> make_cart_double_pendulum_mlx(int num_envs, std::uint64_t seed,
                                                          const CartDoublePendulumParams& params = {});

}  // namespace robomlx::sim
