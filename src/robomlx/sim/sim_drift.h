// SPDX-License-Identifier: Apache-2.0
// Semantic drift check (the seed's check_semantic_drift, with real dynamics): every task on every
// backend of this build is run for a fixed seed, size and action sequence, and summarised in a few
// scalars; `robomlx sim drift` compares them with a baseline JSON kept in the repository
// (tests/data/sim/drift-baseline.json) and fails on a change beyond tolerance.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace robomlx::sim {

struct DriftConfig {
  int num_envs = 8;
  int steps = 64;
  unsigned seed = 42;
  double rel_tol = 1e-3, abs_tol = 1e-4;
};

/// {"task/backend": {"mean_reward", "mean_abs_obs", "mean_abs_state", "terminated", "truncated"}}
/// for every task and every backend it lists that this build runs; actions are uniform in
/// [-1, 1] from a host generator (the same on every backend and device).
nlohmann::json drift_summary(const DriftConfig& config);

/// One line per difference beyond tolerance (|a - b| > abs_tol + rel_tol |b|), per missing entry
/// and per baseline entry this build cannot run ("skipped", not a failure); empty when none.
struct DriftReport {
  std::vector<std::string> failures, skipped;
};
DriftReport compare_drift(const nlohmann::json& current, const nlohmann::json& baseline, const DriftConfig& config);

}  // namespace robomlx::sim
