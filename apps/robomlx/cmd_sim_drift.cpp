// SPDX-License-Identifier: Apache-2.0
// `robomlx sim drift [--baseline FILE] [--update] [--rel-tol X] [--abs-tol X]`: runs every task on
// every backend of this build for a fixed seed (8 envs, 64 steps, host-drawn random actions),
// prints the summary statistics, and compares them with the baseline JSON (default
// tests/data/sim/drift-baseline.json, the repository's). A change beyond tolerance exits 1 with one
// "[sim.drift]" line (details on stdout); --update rewrites the baseline instead.
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/sim/sim_drift.h"

namespace robomlx::cli {

namespace {

struct DriftArgs {
  std::string baseline = "tests/data/sim/drift-baseline.json";
  bool update = false;
  sim::DriftConfig config;
};

void run_sim_drift(const GlobalOptions& global, const DriftArgs& a) {
  if (!(a.config.rel_tol >= 0) || !(a.config.abs_tol >= 0))
    throw std::invalid_argument("[sim.drift] --rel-tol and --abs-tol must be >= 0");
  apply_device(global);
  nlohmann::json baseline;
  if (!a.update) {
    if (!std::filesystem::is_regular_file(a.baseline))
      throw FormatError("sim.drift", a.baseline, "no baseline file (write one with --update)");
    try {
      baseline = read_json_file(a.baseline);
    } catch (const std::exception& e) {
      throw FormatError("sim.drift", a.baseline, e.what());
    }
    if (!baseline.is_object() || !baseline.contains("tasks") || !baseline["tasks"].is_object())
      throw FormatError("sim.drift", a.baseline, "expected an object with 'tasks'");
  }
  const auto current = sim::drift_summary(a.config);
  const nlohmann::json doc = {{"num_envs", a.config.num_envs}, {"steps", a.config.steps}, {"seed", a.config.seed},
                              {"tasks", current}};
  if (a.update) {
    write_file_atomically(a.baseline, doc.dump(2) + "\n");
    std::cout << "wrote " << current.size() << " task/backend summaries to " << a.baseline << "\n";
    return;
  }
  const auto report = sim::compare_drift(current, baseline["tasks"], a.config);
  for (const auto& s : report.skipped) std::cout << "skipped: " << s << "\n";
  for (const auto& f : report.failures) std::cout << "drift: " << f << "\n";
  if (!report.failures.empty())
    throw std::runtime_error("[sim.drift] " + std::to_string(report.failures.size()) + " statistic(s) beyond tolerance, first: " +
                             report.failures[0]);
  std::cout << "no drift: " << current.size() << " task/backend summaries within rel " << a.config.rel_tol << ", abs "
            << a.config.abs_tol << " of " << a.baseline << "\n";
}

void add_sim_drift(CLI::App& app, GlobalOptions& global) {
  auto* sim = ensure_subcommand(app, "sim", "Isaac Lab direct tasks on MLX: list, run, train");
  auto a = std::make_shared<DriftArgs>();
  auto* cmd = sim->add_subcommand("drift", "Compare every task's summary statistics with a baseline JSON");
  cmd->add_option("--baseline", a->baseline, "Baseline JSON (default tests/data/sim/drift-baseline.json)");
  cmd->add_flag("--update", a->update, "Write the current statistics as the baseline");
  cmd->add_option("--rel-tol", a->config.rel_tol, "Relative tolerance (default 1e-3)");
  cmd->add_option("--abs-tol", a->config.abs_tol, "Absolute tolerance (default 1e-4)");
  cmd->callback([&global, a] { run_sim_drift(global, *a); });
}

}  // namespace

ROBOMLX_COMMAND(sim_drift, add_sim_drift);

}  // namespace robomlx::cli
