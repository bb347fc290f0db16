// SPDX-License-Identifier: Apache-2.0
// Isaac-Cartpole-Direct-v0 on MuJoCo. The MJCF is written here from CartpoleParams (the same
// constants the mlx backend integrates): a slide joint with damping 10 and a motor clamped at the
// 400 N effort limit, a hinge with the box pole's inertia, no geoms (nothing collides in Isaac's
// cartpole either), MuJoCo's Euler integrator with implicit joint damping at dt 1/120.
#include <cmath>
#include <numbers>
#include <sstream>

#include "robomlx/core/error.h"
#include "robomlx/sim/cartpole_env.h"
#include "robomlx/sim/mujoco_env_internal.h"

namespace robomlx::sim::detail {

namespace {

std::string cartpole_xml(const CartpoleParams& p, double dt) {
  std::ostringstream x;
  x.precision(17);
  // Pole box 0.04 x 0.06 x 1.0 m (x, y, z): pole_inertia is about the hinge axis (y here).
  const double iz = p.pole_mass * (0.04 * 0.04 + 0.06 * 0.06) / 12, ix = p.pole_mass * (0.04 * 0.04 + 1.0) / 12;
  x << "<mujoco model=\"isaac_cartpole\">\n"
    << "  <size memory=\"64K\"/>\n"  // a 2-DoF chain without contacts: MuJoCo's default arena is ~13 MB per mjData
    << "  <option timestep=\"" << dt << "\" integrator=\"Euler\" gravity=\"0 0 " << -p.gravity << "\"/>\n"
    << "  <worldbody>\n"
    << "    <body name=\"cart\" pos=\"0 0 2\">\n"
    << "      <joint name=\"slider_to_cart\" type=\"slide\" axis=\"1 0 0\" damping=\"" << p.cart_damping << "\"/>\n"
    << "      <inertial pos=\"0 0 0\" mass=\"" << p.cart_mass << "\" diaginertia=\"0.00854 0.00667 0.00854\"/>\n"
    << "      <body name=\"pole\">\n"
    << "        <joint name=\"cart_to_pole\" type=\"hinge\" axis=\"0 1 0\"/>\n"
    << "        <inertial pos=\"0 0 " << p.pole_com << "\" mass=\"" << p.pole_mass << "\" diaginertia=\"" << ix << " "
    << p.pole_inertia << " " << iz << "\"/>\n"
    << "      </body>\n"
    << "    </body>\n"
    << "  </worldbody>\n"
    << "  <actuator>\n"
    << "    <motor name=\"cart_effort\" joint=\"slider_to_cart\" gear=\"1\" ctrllimited=\"true\" ctrlrange=\""
    << -p.effort_limit << " " << p.effort_limit << "\"/>\n"
    << "  </actuator>\n"
    << "</mujoco>\n";
  return x.str();
}

class CartpoleTask final : public MujocoTask {
 public:
  const TaskSpec& spec() const override { return spec_; }
  std::string mjcf(const std::string& path, std::string& name) const override {
    if (!path.empty()) return name = path, read_mjcf_file(path);
    name = "<built-in cartpole MJCF>";
    return cartpole_xml(p_, spec_.physics_dt);
  }
  void check_model(const mjModel* m, const std::string& name) override {
    if (m->nq != 2 || m->nv != 2 || m->nu != 1)
      throw FormatError("sim.mjcf", name, "a cartpole model needs 2 joints (slide, hinge) and 1 actuator, got nq " +
                                              std::to_string(m->nq) + ", nu " + std::to_string(m->nu));
  }
  void apply_action(const mjModel*, mjData* d, const float* a) const override {
    d->ctrl[0] = p_.action_scale * a[0];  // the motor's ctrlrange is the effort limit
  }
  bool terminated(const mjModel*, const mjData* d) const override {
    return std::abs(d->qpos[0]) > p_.max_cart_pos || std::abs(d->qpos[1]) > std::numbers::pi / 2;
  }
  double reward(const mjModel*, const mjData* d, bool t) const override {
    const double term = t ? 1.0 : 0.0;
    return (1 - term) - 2 * term - d->qpos[1] * d->qpos[1] - 0.01 * std::abs(d->qvel[0]) - 0.005 * std::abs(d->qvel[1]);
  }
  void reset(const mjModel*, mjData* d, std::mt19937_64& rng) const override {
    std::uniform_real_distribution<double> u(-p_.reset_angle * std::numbers::pi, p_.reset_angle * std::numbers::pi);
    d->qpos[1] = u(rng);
  }
  void observe(const mjModel*, const mjData* d, float* obs) const override {
    obs[0] = float(d->qpos[1]), obs[1] = float(d->qvel[1]), obs[2] = float(d->qpos[0]), obs[3] = float(d->qvel[0]);
  }

 private:
  TaskSpec spec_ = cartpole_spec();
  CartpoleParams p_;
};

}  // namespace

std::unique_ptr<MujocoTask> make_cartpole_mujoco_task() { return std::make_unique<CartpoleTask>(); }

}  // namespace robomlx::sim::detail
