// SPDX-License-Identifier: Apache-2.0
// Isaac-Quadcopter-Direct-v0 on MuJoCo: a free body with QuadcopterParams' mass and inertia, the
// thrust and the three moments as motors on a site at the body origin whose 6D gears point along
// body axes (MuJoCo applies site wrenches in the site frame, so the wrench turns with the body as
// Isaac's body-frame wrench does), and the goal as a mocap body (one per mjData: it travels with
// the state and shows in renders). Euler integrator at dt 1/100.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "robomlx/core/error.h"
#include "robomlx/sim/mujoco_env_internal.h"
#include "robomlx/sim/quadcopter_env.h"

namespace robomlx::sim::detail {

namespace {

std::string xml_text(const QuadcopterParams& p, double dt) {
  std::ostringstream x;
  x.precision(17);
  x << "<mujoco model=\"isaac_quadcopter\">\n"
    << "  <size memory=\"64K\"/>\n"
    << "  <option timestep=\"" << dt << "\" integrator=\"Euler\" gravity=\"0 0 " << -p.gravity << "\"/>\n"
    << "  <worldbody>\n"
    << "    <body name=\"body\" pos=\"0 0 " << p.start_height << "\"><freejoint name=\"root\"/>\n"
    << "      <inertial pos=\"0 0 0\" mass=\"" << p.mass << "\" diaginertia=\"" << p.inertia[0] << " " << p.inertia[1]
    << " " << p.inertia[2] << "\"/>\n"
    << "      <site name=\"wrench\"/>\n"
    << "    </body>\n"
    << "    <body name=\"goal\" mocap=\"true\" pos=\"0 0 1\"/>\n"
    << "  </worldbody>\n"
    << "  <actuator>\n"
    << "    <motor name=\"thrust\" site=\"wrench\" gear=\"0 0 1 0 0 0\"/>\n"
    << "    <motor name=\"moment_x\" site=\"wrench\" gear=\"0 0 0 1 0 0\"/>\n"
    << "    <motor name=\"moment_y\" site=\"wrench\" gear=\"0 0 0 0 1 0\"/>\n"
    << "    <motor name=\"moment_z\" site=\"wrench\" gear=\"0 0 0 0 0 1\"/>\n"
    << "  </actuator>\n"
    << "</mujoco>\n";
  return x.str();
}

class QuadcopterTask final : public MujocoTask {
 public:
  const TaskSpec& spec() const override { return spec_; }
  std::string mjcf(const std::string& path, std::string& name) const override {
    if (!path.empty()) return name = path, read_mjcf_file(path);
    name = "<built-in quadcopter MJCF>";
    return xml_text(p_, spec_.physics_dt);
  }
  void check_model(const mjModel* m, const std::string& name) override {
    if (m->nq != 7 || m->nv != 6 || m->nu != 4 || m->nmocap != 1)
      throw FormatError("sim.mjcf", name, "a quadcopter needs one free joint, 4 actuators (thrust, 3 moments) and "
                                          "one mocap goal body, got nq " + std::to_string(m->nq) + ", nu " +
                                              std::to_string(m->nu) + ", nmocap " + std::to_string(m->nmocap));
  }
  void apply_action(const mjModel*, mjData* d, const float* action) const override {
    double a[4];
    for (int i = 0; i < 4; ++i) a[i] = std::clamp(double(action[i]), -1.0, 1.0);
    d->ctrl[0] = p_.thrust_to_weight * p_.mass * p_.gravity * (a[0] + 1) / 2;
    for (int i = 1; i < 4; ++i) d->ctrl[i] = p_.moment_scale * a[i];
  }
  bool terminated(const mjModel*, const mjData* d) const override {
    return d->qpos[2] < p_.min_height || d->qpos[2] > p_.max_height;
  }
  double reward(const mjModel*, const mjData* d, bool) const override {
    double speed2 = 0, spin2 = 0, dist2 = 0;
    for (int k = 0; k < 3; ++k) {
      speed2 += d->qvel[k] * d->qvel[k];
      spin2 += d->qvel[3 + k] * d->qvel[3 + k];
      dist2 += (d->mocap_pos[k] - d->qpos[k]) * (d->mocap_pos[k] - d->qpos[k]);
    }
    return spec_.step_dt() * (p_.lin_vel_scale * speed2 + p_.ang_vel_scale * spin2 +
                              p_.distance_scale * (1 - std::tanh(std::sqrt(dist2) / p_.distance_width)));
  }
  void reset(const mjModel*, mjData* d, std::mt19937_64& rng) const override {
    std::uniform_real_distribution<double> xy(-p_.goal_xy, p_.goal_xy), z(p_.goal_z_low, p_.goal_z_high);
    d->mocap_pos[0] = xy(rng), d->mocap_pos[1] = xy(rng), d->mocap_pos[2] = z(rng);
  }
  void observe(const mjModel*, const mjData* d, float* obs) const override {
    double R[9], v[3], g[3], e[3];
    mju_quat2Mat(R, d->qpos + 3);  // body to world
    const double down[3] = {0, 0, -1};
    double goal[3];
    mju_sub3(goal, d->mocap_pos, d->qpos);
    mju_mulMatTVec3(v, R, d->qvel);
    mju_mulMatTVec3(g, R, down);
    mju_mulMatTVec3(e, R, goal);
    const double o[12] = {v[0], v[1], v[2], d->qvel[3], d->qvel[4], d->qvel[5], g[0], g[1], g[2], e[0], e[1], e[2]};
    for (int i = 0; i < 12; ++i) obs[i] = float(o[i]);
  }
  void get_state(const mjModel* m, const mjData* d, float* s) const override {
    MujocoTask::get_state(m, d, s);
    for (int k = 0; k < 3; ++k) s[13 + k] = float(d->mocap_pos[k]);
  }
  void set_state(const mjModel* m, mjData* d, const float* s) const override {
    MujocoTask::set_state(m, d, s);
    for (int k = 0; k < 3; ++k) d->mocap_pos[k] = s[13 + k];
  }

 private:
  TaskSpec spec_ = quadcopter_spec();
  QuadcopterParams p_;
};

}  // namespace

std::unique_ptr<MujocoTask> make_quadcopter_mujoco_task() { return std::make_unique<QuadcopterTask>(); }

}  // namespace robomlx::sim::detail
