// SPDX-License-Identifier: Apache-2.0
// Isaac-Cart-Double-Pendulum-Direct-v0 on MuJoCo: the MJCF is written from
// CartDoublePendulumParams (the constants the mlx backend integrates): the cartpole's damped slide
// joint and motor, a passive pole hinge, the pendulum hinge 1.0 m up the pole with its own motor
// (Isaac's pendulum effort target), MuJoCo's Euler integrator at dt 1/120. No geoms: nothing
// collides in Isaac's task either.
#include <cmath>
#include <numbers>
#include <sstream>

#include "robomlx/core/error.h"
#include "robomlx/sim/cart_double_pendulum_env.h"
#include "robomlx/sim/mujoco_env_internal.h"

namespace robomlx::sim::detail {

namespace {

std::string xml_text(const CartDoublePendulumParams& p, double dt) {
  std::ostringstream x;
  x.precision(17);
  // Link box 0.04 x 0.06 x 1.0 m: link_inertia is about the hinge axis (y).
  const double iz = p.link_mass * (0.04 * 0.04 + 0.06 * 0.06) / 12, ix = p.link_mass * (0.04 * 0.04 + 1.0) / 12;
  auto link = [&](const char* name, const char* joint, double z, const std::string& inner) {
    std::ostringstream b;
    b.precision(17);
    b << "<body name=\"" << name << "\" pos=\"0 0 " << z << "\"><joint name=\"" << joint
      << "\" type=\"hinge\" axis=\"0 1 0\"/><inertial pos=\"0 0 " << p.link_com << "\" mass=\"" << p.link_mass
      << "\" diaginertia=\"" << ix << " " << p.link_inertia << " " << iz << "\"/>" << inner << "</body>";
    return b.str();
  };
  x << "<mujoco model=\"isaac_cart_double_pendulum\">\n"
    << "  <size memory=\"64K\"/>\n"
    << "  <option timestep=\"" << dt << "\" integrator=\"Euler\" gravity=\"0 0 " << -p.gravity << "\"/>\n"
    << "  <worldbody><body name=\"cart\" pos=\"0 0 2\">\n"
    << "    <joint name=\"slider_to_cart\" type=\"slide\" axis=\"1 0 0\" damping=\"" << p.cart_damping << "\"/>\n"
    << "    <inertial pos=\"0 0 0\" mass=\"" << p.cart_mass << "\" diaginertia=\"0.00854 0.00667 0.00854\"/>\n    "
    << link("pole", "cart_to_pole", 0, link("pendulum", "pole_to_pendulum", p.pole_length, "")) << "\n"
    << "  </body></worldbody>\n"
    << "  <actuator>\n"
    << "    <motor name=\"cart\" joint=\"slider_to_cart\" ctrllimited=\"true\" ctrlrange=\"" << -p.effort_limit << " "
    << p.effort_limit << "\"/>\n"
    << "    <motor name=\"pendulum\" joint=\"pole_to_pendulum\" ctrllimited=\"true\" ctrlrange=\"" << -p.effort_limit
    << " " << p.effort_limit << "\"/>\n"
    << "  </actuator>\n"
    << "</mujoco>\n";
  return x.str();
}

double wrap(double a) { return a - 2 * std::numbers::pi * std::floor((a + std::numbers::pi) / (2 * std::numbers::pi)); }

class CartDoublePendulumTask final : public MujocoTask {
 public:
  const TaskSpec& spec() const override { return spec_; }
  std::string mjcf(const std::string& path, std::string& name) const override {
    if (!path.empty()) return name = path, read_mjcf_file(path);
    name = "<built-in cart_double_pendulum MJCF>";
    return xml_text(p_, spec_.physics_dt);
  }
  void check_model(const mjModel* m, const std::string& name) override {
    if (m->nq != 3 || m->nv != 3 || m->nu != 2)
      throw FormatError("sim.mjcf", name, "a cart double pendulum needs 3 joints (slide, hinge, hinge) and 2 actuators, got nq " +
                                              std::to_string(m->nq) + ", nu " + std::to_string(m->nu));
  }
  void apply_action(const mjModel*, mjData* d, const float* a) const override {
    d->ctrl[0] = p_.cart_action_scale * a[0];  // ctrlrange is the effort limit
    d->ctrl[1] = p_.pendulum_action_scale * a[1];
  }
  bool terminated(const mjModel*, const mjData* d) const override {
    return std::abs(d->qpos[0]) > p_.max_cart_pos || std::abs(d->qpos[1]) > std::numbers::pi / 2;
  }
  double reward(const mjModel*, const mjData* d, bool t) const override {
    const double term = t ? 1.0 : 0.0, base = (1 - term) - 2 * term;
    const double pole = wrap(d->qpos[1]), pend = wrap(d->qpos[2]);
    const double cart = base - pole * pole - 0.01 * std::abs(d->qvel[0]) - 0.01 * std::abs(d->qvel[1]);
    const double pendulum = base - (pole + pend) * (pole + pend) - 0.01 * std::abs(d->qvel[2]);
    return cart + pendulum;
  }
  void reset(const mjModel*, mjData* d, std::mt19937_64& rng) const override {
    std::uniform_real_distribution<double> u(-p_.reset_angle * std::numbers::pi, p_.reset_angle * std::numbers::pi);
    d->qpos[1] = u(rng);
    d->qpos[2] = u(rng);
  }
  void observe(const mjModel*, const mjData* d, float* obs) const override {
    const double pole = wrap(d->qpos[1]), pend = wrap(d->qpos[2]);
    const double o[7] = {d->qpos[0], d->qvel[0], pole, d->qvel[1], pole + pend, pend, d->qvel[2]};
    for (int i = 0; i < 7; ++i) obs[i] = float(o[i]);
  }

 private:
  TaskSpec spec_ = cart_double_pendulum_spec();
  CartDoublePendulumParams p_;
};

}  // namespace

std::unique_ptr<MujocoTask> make_cart_double_pendulum_mujoco_task() { return std::make_unique<CartDoublePendulumTask>(); }

}  // namespace robomlx::sim::detail
