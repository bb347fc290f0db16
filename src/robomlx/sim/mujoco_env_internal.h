// SPDX-License-Identifier: Apache-2.0
// Internal: what a task supplies to the mujoco backend. The backend owns the model, one mjData per
// env and the DirectRLEnv step order; a MujocoTask maps actions to controls / forces and reads
// observations, rewards, terminations and resets from one env's mjData (host, double precision).
#pragma once

#include <memory>
#include <random>
#include <string>

#include <mujoco/mujoco.h>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim::detail {

class MujocoTask {
 public:
  virtual ~MujocoTask() = default;
  virtual const TaskSpec& spec() const = 0;
  /// The model file's text and a name for messages; `override_path` non-empty reads that file.
  virtual std::string mjcf(const std::string& override_path, std::string& name) const = 0;
  /// Edits the parsed model before it is compiled (arena size, per-env userdata).
  virtual void edit_spec(mjSpec*) const {}
  /// Throws FormatError when the compiled model lacks what the task drives (joints, actuators).
  virtual void check_model(const mjModel* m, const std::string& name) = 0;
  /// Called once per env step before the `decimation` physics steps.
  virtual void apply_action(const mjModel* m, mjData* d, const float* action) const = 0;
  /// Called once per env step after them, before dones and rewards (Isaac's intermediate values).
  virtual void after_physics(const mjModel*, mjData*) const {}
  virtual bool terminated(const mjModel* m, const mjData* d) const = 0;
  virtual double reward(const mjModel* m, const mjData* d, bool terminated) const = 0;
  virtual void reset(const mjModel* m, mjData* d, std::mt19937_64& rng) const = 0;
  virtual void observe(const mjModel* m, const mjData* d, float* obs) const = 0;
  /// state(): qpos then qvel by default (width nq + nv = spec().state_dim); a task with more state
  /// (the quadcopter's goal) appends it.
  virtual void get_state(const mjModel* m, const mjData* d, float* s) const;
  virtual void set_state(const mjModel* m, mjData* d, const float* s) const;
};

/// Compiles MJCF text (FormatError "[sim.mjcf] NAME: <MuJoCo's message>" when it fails), letting
/// `task` (when given) edit the parsed spec first.
mjModel* compile_mjcf(const std::string& xml, const std::string& name, const MujocoTask* task = nullptr);
/// Reads a file into a string (FormatError "[sim.mjcf] PATH: cannot read" when it cannot).
std::string read_mjcf_file(const std::string& path);

std::unique_ptr<MujocoTask> make_cartpole_mujoco_task();
std::unique_ptr<MujocoTask> make_cart_double_pendulum_mujoco_task();
std::unique_ptr<MujocoTask> make_quadcopter_mujoco_task();
/// "ant" or "humanoid" on gymnasium's model (nullptr for other names).
std::unique_ptr<MujocoTask> make_locomotion_mujoco_task(const std::string& name);

}  // namespace robomlx::sim::detail
