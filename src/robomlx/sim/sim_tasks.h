// SPDX-License-Identifier: Apache-2.0
// The task table behind `robomlx sim list` and the factory every command builds envs with. A task
// is listed with the backends that really run it; asking another backend throws
// UnsupportedFeatureError (never a surrogate standing in for the real dynamics).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

/// Envs per batch the factory accepts: 4096 is Isaac Lab's default, 2^20 leaves room for big GPUs
/// while a typo (1e9) fails at once instead of exhausting memory.
inline constexpr int kMaxEnvs = 1 << 20;

struct TaskInfo {
  TaskSpec spec;
  std::vector<std::string> backends;  // those that run it, e.g. {"mlx"}
  std::string summary;
};

/// Every task, in `sim list` order.
const std::vector<TaskInfo>& task_table();

/// The task named by its short name ("cartpole") or Isaac Lab id; throws std::invalid_argument
/// "[sim.task] unknown task 'x' (tasks: ...)".
const TaskInfo& find_task(const std::string& name);

struct EnvOptions {
  // A constructor (not an aggregate) so that {n}, {n, seed} ... leave the rest at their defaults
  // without -Wmissing-field-initializers.
  EnvOptions(int n = 64, std::uint64_t s = 42, std::string b = "mlx", std::string model = "")
      : num_envs(n), seed(s), backend(std::move(b)), mjcf(std::move(model)) {}
  int num_envs = 64;
  std::uint64_t seed = 42;
  std::string backend = "mlx";  // "mlx" or "mujoco"
  std::string mjcf;             // mujoco: a model file replacing the task's own (same joints)
};

/// Builds `task` on `options.backend` (the default device runs mlx envs). Throws
/// std::invalid_argument for num_envs outside [1, kMaxEnvs] or an unknown backend name, and
/// UnsupportedFeatureError for a backend that does not run the task or is not built.
std::unique_ptr<SimBackend> make_env(const std::string& task, const EnvOptions& options);

}  // namespace robomlx::sim
