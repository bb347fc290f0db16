// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/sim_drift.h"

#include <cmath>
#include <random>
#include <sstream>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::sim {

namespace {

double mean_abs(const mx::array& a) { return mx::mean(mx::abs(mx::astype(a, mx::float32))).item<float>(); }

nlohmann::json summarise(const std::string& task, const std::string& backend, const DriftConfig& c) {
  auto env = make_env(task, {c.num_envs, c.seed, backend});
  const int n = env->num_envs(), k = env->spec().action_dim;
  std::mt19937 rng(c.seed);
  std::uniform_real_distribution<float> u(-1, 1);
  double reward = 0, obs = 0;
  long terminated = 0, truncated = 0;
  std::vector<float> act(std::size_t(n) * k);
  for (int t = 0; t < c.steps; ++t) {
    for (auto& a : act) a = u(rng);
    auto r = env->step(mx::array(act.data(), {n, k}));
    reward += mx::mean(r.reward).item<float>();
    obs += mean_abs(r.obs);
    terminated += mx::sum(mx::astype(r.terminated, mx::int32)).item<int>();
    truncated += mx::sum(mx::astype(r.truncated, mx::int32)).item<int>();
  }
  return {{"mean_reward", reward / c.steps}, {"mean_abs_obs", obs / c.steps}, {"mean_abs_state", mean_abs(env->state())},
          {"terminated", terminated}, {"truncated", truncated}};
}

}  // namespace

nlohmann::json drift_summary(const DriftConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& t : task_table()) {
    for (const auto& b : t.backends) {
      if (b == "mujoco" && !mujoco_built()) continue;
      out[t.spec.name + "/" + b] = summarise(t.spec.name, b, config);
    }
  }
  return out;
}

DriftReport compare_drift(const nlohmann::json& current, const nlohmann::json& baseline, const DriftConfig& c) {
  DriftReport r;
  for (const auto& [key, base] : baseline.items()) {
    if (!current.contains(key)) {
      r.skipped.push_back(key + ": not run by this build");
      continue;
    }
    for (const auto& [stat, want] : base.items()) {
      const auto& cur = current[key];
      if (!cur.contains(stat) || !want.is_number()) {
        r.failures.push_back(key + " " + stat + ": missing");
        continue;
      }
      const double a = cur[stat].get<double>(), b = want.get<double>();
      if (!(std::abs(a - b) <= c.abs_tol + c.rel_tol * std::abs(b))) {
        std::ostringstream m;
        m.precision(9);
        m << key << " " << stat << ": " << a << ", baseline " << b;
        r.failures.push_back(m.str());
      }
    }
  }
  for (const auto& [key, cur] : current.items())
    if (!baseline.contains(key)) r.failures.push_back(key + ": not in the baseline (update it with --update)");
  return r;
}

}  // namespace robomlx::sim
