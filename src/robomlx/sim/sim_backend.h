// SPDX-License-Identifier: Apache-2.0
// The seam every simulator backend sits behind: a batch of `num_envs` copies of one task, reset by
// env ids, stepped with a [num_envs, action_dim] action array, read back as observations, rewards
// and done flags. Step order and timing follow Isaac Lab's DirectRLEnv (docs in sim_tasks.h):
// pre-physics (action scaling), `decimation` physics steps, episode counter += 1, dones, rewards,
// reset of done envs, observations (so the observation of a done env is its fresh start).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace robomlx::sim {

namespace mx = mlx::core;

/// What a task promises, the same on every backend.
struct TaskSpec {
  std::string id;            // Isaac Lab's id, "Isaac-Cartpole-Direct-v0"
  std::string name;          // the short CLI name, "cartpole"
  int obs_dim = 0;
  int action_dim = 0;
  int state_dim = 0;         // width of state() / set_state(): generalized positions then velocities
  double physics_dt = 0;     // sim.dt
  int decimation = 1;        // physics steps per env step
  double episode_length_s = 0;
  double max_return = 0;     // the best episode return the rewards allow ("% of max" in train/eval)
  /// Isaac's quadcopter: a reset of every env (reset() with no ids) draws episode counters from
  /// [0, max_episode_length) to spread later time-outs; a list of ids never does.
  bool randomize_episode_start = false;
  /// ceil(episode_length_s / (physics_dt * decimation)), as DirectRLEnv computes it.
  int max_episode_length() const;
  double step_dt() const { return physics_dt * decimation; }
};

/// One env step's outputs, all with leading dimension num_envs.
struct StepResult {
  mx::array obs = mx::array(0.0f);         // [N, obs_dim] float32, after resets
  mx::array reward = mx::array(0.0f);      // [N] float32
  mx::array terminated = mx::array(false); // [N] bool: the task's failure condition
  mx::array truncated = mx::array(false);  // [N] bool: the episode time-out
};

class SimBackend {
 public:
  virtual ~SimBackend() = default;
  virtual const TaskSpec& spec() const = 0;
  virtual std::string backend_name() const = 0;
  virtual int num_envs() const = 0;
  /// Resets the listed envs (all of them when `env_ids` is empty) to random initial states
  /// (see TaskSpec::randomize_episode_start).
  virtual void reset(const std::vector<int>& env_ids = {}) = 0;
  /// Advances every env one env step with `actions` [N, action_dim] (float32).
  virtual StepResult step(const mx::array& actions) = 0;
  /// Current observations [N, obs_dim].
  virtual mx::array observations() = 0;
  /// Physical state [N, state_dim] (float32): generalized positions, then velocities.
  virtual mx::array state() = 0;
  /// Overwrites the physical state (parity tests, replays); episode counters are kept.
  virtual void set_state(const mx::array& state) = 0;
  /// Episode step counters [N] int32 (DirectRLEnv's episode_length_buf).
  virtual mx::array episode_length() = 0;
  /// Env `env`'s bodies as capsules for drawing (sim play): 7 floats each, the two end points in
  /// world coordinates and the radius (spheres have equal end points). Empty where the backend
  /// has no geometry (the classic tasks are drawn from state()).
  virtual std::vector<float> capsules(int /*env*/) { return {}; }
};

/// The envs `env_ids` names (every env when it is empty) as a bool mask [n], for the mlx backends'
/// reset(); std::invalid_argument ("[sim.reset] ...") for an id outside [0, n).
// no stream: a host-built mask, placed where its user's ops run
mx::array reset_mask(const std::vector<int>& env_ids, int n);

}  // namespace robomlx::sim
