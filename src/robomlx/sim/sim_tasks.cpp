// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/sim_tasks.h"

#include <cmath>
#include <stdexcept>

#include "robomlx/core/error.h"
#include "robomlx/sim/cart_double_pendulum_env.h"
#include "robomlx/sim/cartpole_env.h"
#include "robomlx/sim/locomotion_tasks.h"
#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/quadcopter_env.h"

namespace robomlx::sim {

int TaskSpec::max_episode_length() const {
  // DirectRLEnv: math.ceil(episode_length_s / (sim.dt * decimation)); the 1e-9 keeps 5 / (1/60)
  // from rounding up to 301 through binary fractions.
  return static_cast<int>(std::ceil(episode_length_s / step_dt() - 1e-9));
}

const std::vector<TaskInfo>& task_table() {
  static const std::vector<TaskInfo> table = {
      {cartpole_spec(), {"mlx", "mujoco"}, "balance a pole on a damped cart"},
      {cart_double_pendulum_spec(), {"mlx", "mujoco"}, "two agents balance a pole and pendulum (summed rewards)"},
      {quadcopter_spec(), {"mlx", "mujoco"}, "fly a rigid-body Crazyflie to a goal with thrust and moments"},
      {ant_spec(), {"mujoco"}, "walk gymnasium's ant towards +x (Isaac's locomotion terms)"},
      {humanoid_spec(), {"mujoco"}, "walk gymnasium's 17-joint humanoid towards +x (Isaac's terms)"},
  };
  return table;
}

const TaskInfo& find_task(const std::string& name) {
  std::string names;
  for (const auto& t : task_table()) {
    if (t.spec.name == name || t.spec.id == name) return t;
    names += (names.empty() ? "" : ", ") + t.spec.name;
  }
  throw std::invalid_argument("[sim.task] unknown task '" + name + "' (tasks: " + names + ")");
}

std::unique_ptr<SimBackend> make_env(const std::string& task, const EnvOptions& options) {
  const TaskInfo& info = find_task(task);
  if (options.num_envs < 1 || options.num_envs > kMaxEnvs) {
    throw std::invalid_argument("[sim.env] num_envs must be in [1, " + std::to_string(kMaxEnvs) + "], got " +
                                std::to_string(options.num_envs));
  }
  if (options.backend != "mlx" && options.backend != "mujoco") {
    throw std::invalid_argument("[sim.env] backend must be mlx or mujoco, got '" + options.backend + "'");
  }
  bool runs = false;
  for (const auto& b : info.backends) runs = runs || b == options.backend;
  if (!runs) {
    throw UnsupportedFeatureError("[sim.env] task " + info.spec.name + " does not run on the " + options.backend +
                                  " backend");
  }
  if (options.backend == "mujoco") return make_mujoco_env(info.spec.name, options.num_envs, options.seed, options.mjcf);
  if (!options.mjcf.empty()) throw std::invalid_argument("[sim.env] --mjcf applies to the mujoco backend only");
  if (info.spec.name == "cartpole") return make_cartpole_mlx(options.num_envs, options.seed);
  if (info.spec.name == "cart_double_pendulum") return make_cart_double_pendulum_mlx(options.num_envs, options.seed);
  if (info.spec.name == "quadcopter") return make_quadcopter_mlx(options.num_envs, options.seed);
  throw UnsupportedFeatureError("[sim.env] task " + info.spec.name + " has no " + options.backend + " backend");
}

}  // namespace robomlx::sim
