// SPDX-License-Identifier: Apache-2.0
// Isaac's LocomotionEnv terms (locomotion_tasks.h) over gymnasium's ant and humanoid. Per-env
// task state lives in each mjData's userdata: the last actions, then the potential and the
// previous potential, so envs stay independent on the thread pool.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "robomlx/core/error.h"
#include "robomlx/sim/locomotion_tasks.h"
#include "robomlx/sim/mujoco_env_internal.h"

#ifndef ROBOMLX_SITE_PACKAGES
#define ROBOMLX_SITE_PACKAGES ""
#endif

namespace robomlx::sim::detail {

namespace {

constexpr double kTargetX = 1000.0;  // Isaac's targets: (1000, 0, 0) from each env origin

double wrap(double a) { return a - 2 * std::numbers::pi * std::floor((a + std::numbers::pi) / (2 * std::numbers::pi)); }

class LocomotionTask final : public MujocoTask {
 public:
  LocomotionTask(TaskSpec spec, LocomotionConfig config) : spec_(std::move(spec)), c_(std::move(config)) {}

  const TaskSpec& spec() const override { return spec_; }
  std::string mjcf(const std::string& path, std::string& name) const override {
    if (!path.empty()) return name = path, read_mjcf_file(path);
    name = std::string(ROBOMLX_SITE_PACKAGES) + "/" + c_.model;
    if (!std::filesystem::is_regular_file(name))
      throw UnsupportedFeatureError("[sim.mujoco] " + spec_.name + " reads gymnasium's model " + name +
                                    ", which is not installed (scripts/setup installs gymnasium into .venv)");
    return read_mjcf_file(name);
  }
  void edit_spec(mjSpec* s) const override {
    s->memory = mjtSize(c_.arena_bytes);
    s->nuserdata = c_.actions + 2;
  }
  void check_model(const mjModel* m, const std::string& name) override {
    if (m->nu != c_.actions || m->njnt < 1 || m->jnt_type[0] != mjJNT_FREE || m->nq != spec_.state_dim - m->nv ||
        m->nuserdata != c_.actions + 2)
      throw FormatError("sim.mjcf", name, spec_.name + " needs a free root joint and " + std::to_string(c_.actions) +
                                              " actuators on hinge joints, got nu " + std::to_string(m->nu));
    qpos_.clear(), dof_.clear(), lower_.clear(), upper_.clear(), gear_.clear();
    for (int a = 0; a < m->nu; ++a) {
      const int j = m->actuator_trnid[2 * a];
      if (m->actuator_trntype[a] != mjTRN_JOINT || m->jnt_type[j] != mjJNT_HINGE)
        throw FormatError("sim.mjcf", name, "actuator " + std::to_string(a) + " does not drive a hinge joint");
      qpos_.push_back(m->jnt_qposadr[j]), dof_.push_back(m->jnt_dofadr[j]);
      lower_.push_back(m->jnt_limited[j] ? m->jnt_range[2 * j] : -std::numbers::pi);
      upper_.push_back(m->jnt_limited[j] ? m->jnt_range[2 * j + 1] : std::numbers::pi);
      const double range = m->actuator_ctrllimited[a] ? std::max(std::abs(m->actuator_ctrlrange[2 * a]),
                                                                 std::abs(m->actuator_ctrlrange[2 * a + 1]))
                                                      : 1.0;
      gear_.push_back(c_.joint_gear > 0 ? c_.joint_gear : m->actuator_gear[6 * a] * range);
    }
    max_gear_ = *std::max_element(gear_.begin(), gear_.end());
  }
  void apply_action(const mjModel*, mjData* d, const float* a) const override {
    // Torques straight onto the joints (the model's own motors stay at ctrl 0).
    for (int i = 0; i < c_.actions; ++i) {
      d->userdata[i] = a[i];
      d->qfrc_applied[dof_[i]] = c_.action_scale * gear_[i] * a[i];
    }
  }
  void after_physics(const mjModel*, mjData* d) const override {
    d->userdata[c_.actions + 1] = d->userdata[c_.actions];
    d->userdata[c_.actions] = potential(d);
  }
  bool terminated(const mjModel*, const mjData* d) const override { return d->qpos[2] < c_.termination_height; }
  double reward(const mjModel*, const mjData* d, bool t) const override {
    if (t) return c_.death_cost;
    const Frame f = frame(d);
    const double heading = f.heading_proj > 0.8 ? c_.heading_weight : c_.heading_weight * f.heading_proj / 0.8;
    const double up = f.up_proj > 0.93 ? c_.up_weight : 0.0;
    double actions = 0, energy = 0, at_limit = 0;
    for (int i = 0; i < c_.actions; ++i) {
      const double a = d->userdata[i];
      actions += a * a;
      energy += std::abs(a * d->qvel[dof_[i]] * c_.dof_vel_scale) * gear_[i] / max_gear_;
      at_limit += scaled(d, i) > 0.98 ? 1.0 : 0.0;
    }
    const double progress = d->userdata[c_.actions] - d->userdata[c_.actions + 1];
    return progress + c_.alive_reward_scale + up + heading - c_.actions_cost_scale * actions -
           c_.energy_cost_scale * energy - at_limit;
  }
  void reset(const mjModel*, mjData* d, std::mt19937_64&) const override {
    // The default pose at rest (mj_resetData did it); both potentials from it.
    d->userdata[c_.actions] = d->userdata[c_.actions + 1] = potential(d);
  }
  void observe(const mjModel*, const mjData* d, float* obs) const override {
    const Frame f = frame(d);
    int k = 0;
    obs[k++] = float(d->qpos[2]);
    for (int i = 0; i < 3; ++i) obs[k++] = float(f.vel_local[i]);
    for (int i = 0; i < 3; ++i) obs[k++] = float(d->qvel[3 + i] * c_.angular_velocity_scale);  // body frame already
    obs[k++] = float(wrap(f.yaw)), obs[k++] = float(wrap(f.roll)), obs[k++] = float(wrap(f.angle_to_target));
    obs[k++] = float(f.up_proj), obs[k++] = float(f.heading_proj);
    for (int i = 0; i < c_.actions; ++i) obs[k++] = float(scaled(d, i));
    for (int i = 0; i < c_.actions; ++i) obs[k++] = float(d->qvel[dof_[i]] * c_.dof_vel_scale);
    for (int i = 0; i < c_.actions; ++i) obs[k++] = float(d->userdata[i]);
  }

 private:
  struct Frame {
    double vel_local[3], roll, yaw, angle_to_target, up_proj, heading_proj;
  };

  double potential(const mjData* d) const {
    return -std::hypot(kTargetX - d->qpos[0], -d->qpos[1]) / spec_.physics_dt;
  }
  double scaled(const mjData* d, int i) const {
    return (2 * d->qpos[qpos_[i]] - upper_[i] - lower_[i]) / (upper_[i] - lower_[i]);
  }
  Frame frame(const mjData* d) const {
    Frame f;
    const double* q = d->qpos + 3;  // torso quaternion (w, x, y, z); the start rotation is the identity
    double R[9];
    mju_quat2Mat(R, q);
    mju_mulMatTVec3(f.vel_local, R, d->qvel);  // world linear velocity into the torso frame
    f.roll = std::atan2(2 * (q[0] * q[1] + q[2] * q[3]), 1 - 2 * (q[1] * q[1] + q[2] * q[2]));
    f.yaw = std::atan2(2 * (q[0] * q[3] + q[1] * q[2]), 1 - 2 * (q[2] * q[2] + q[3] * q[3]));
    const double tx = kTargetX - d->qpos[0], ty = -d->qpos[1], norm = std::hypot(tx, ty);
    f.angle_to_target = std::atan2(ty, tx) - f.yaw;
    f.up_proj = R[8];                                          // body z axis . world z
    f.heading_proj = (R[0] * tx + R[3] * ty) / std::max(norm, 1e-9);  // body x axis . horizontal direction to target
    return f;
  }

  TaskSpec spec_;
  LocomotionConfig c_;
  std::vector<int> qpos_, dof_;
  std::vector<double> lower_, upper_, gear_;
  double max_gear_ = 1;
};

}  // namespace

std::unique_ptr<MujocoTask> make_locomotion_mujoco_task(const std::string& name) {
  if (name == "ant") return std::make_unique<LocomotionTask>(ant_spec(), locomotion_config(name));
  if (name == "humanoid") return std::make_unique<LocomotionTask>(humanoid_spec(), locomotion_config(name));
  return nullptr;
}

}  // namespace robomlx::sim::detail
