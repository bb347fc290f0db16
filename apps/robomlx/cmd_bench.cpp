// SPDX-License-Identifier: Apache-2.0
// `robomlx bench <suite> [--json FILE] [--repeats N] [--warmup N] [--max-seconds S] [--budget S]
// [--quick]` (ROBOMLX_BENCH_FILTER=a|b keeps the cases naming a or b): runs a registered benchmark
// suite on the chosen device, prints a table and optionally writes the same as JSON.
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "command.h"
#include "robomlx/core/bench.h"
#include "robomlx/core/device.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"

namespace robomlx::cli {

namespace {
struct BenchArgs {
  std::string suite;
  std::string json;
  int repeats = 20;
  int warmup = 3;
  double max_seconds = 10;
  double budget = 0;
  bool quick = false;
};

void run_bench(const GlobalOptions& global, const BenchArgs& args) {
  const auto& suites = bench_suites();
  auto it = suites.find(args.suite);
  if (it == suites.end()) {
    std::string names;
    for (const auto& [name, info] : suites) names += (names.empty() ? "" : ", ") + name;
    throw std::invalid_argument("[bench] unknown suite '" + args.suite + "'; available: " + names);
  }
  OutputStage stage;  // --json is checked before the suite runs
  const std::string json = args.json.empty() ? "" : stage.file(args.json, "--json");
  // auto picks per suite: what each suite times is what its commands run.
  const std::map<std::string, Workload> workloads = {{"depth", Workload::depth_filters},
                                                     {"depth_filters", Workload::depth_filters},
                                                     {"stereo", Workload::stereo_matching},
                                                     {"sparse", Workload::sparse_ops},
                                                     {"sparse_nn", Workload::sparse_ops}};
  auto w = workloads.find(args.suite);
  mx::Device device = apply_device(global, w == workloads.end() ? Workload::general : w->second);
  BenchOptions options;
  options.repeats = args.repeats;
  options.warmup = args.warmup;
  options.max_seconds_per_case = args.max_seconds;
  options.budget_seconds = args.budget;
  BenchContext ctx(args.suite, device, options);
  ctx.quick = args.quick;
  std::cout << "suite " << args.suite << " on " << describe_device(device) << " | " << machine_description() << "\n";
  std::cout << format_bench_header() << std::flush;
  // A suite adds a case's metrics (bandwidth, ratios to a peer) right after timing it, so each row
  // is printed when the next case starts, or at the end: one table, complete rows, no reprint.
  std::optional<std::size_t> pending;
  auto flush_pending = [&] {
    if (pending && *pending < ctx.results().size()) std::cout << format_bench_row(ctx.results()[*pending]) << std::flush;
    pending.reset();
  };
  ctx.on_result = [&](const BenchResult&) {
    flush_pending();
    pending = ctx.results().size() - 1;
  };
  it->second.fn(ctx);
  flush_pending();
  if (ctx.budget_spent())
    std::cout << "note: the --budget of " << args.budget << " s was spent: the cases after the last row were not run\n";
  if (!args.json.empty()) {
    write_file_atomically(json, bench_results_json(ctx.results(), describe_device(device)));
    stage.commit();
    std::cout << "wrote " << args.json << "\n";
  }
}

void add_bench(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Run a benchmark suite (table + optional JSON)");
  std::string names;
  for (const auto& [name, info] : bench_suites()) names += "\n  " + name + ": " + info.description;
  cmd->footer("Suites:" + names);
  cmd->add_option("suite", args->suite, "Suite name")->required();
  cmd->add_option("--json", args->json, "Write results as JSON to this file");
  cmd->add_option("--repeats", args->repeats, "Timed iterations per case")->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", args->warmup, "Untimed warm-up iterations per case")->check(CLI::Range(0, 1000));
  cmd->add_option("--max-seconds", args->max_seconds, "Stop repeating a case after this many seconds (>= 3 samples kept)")
      ->check(finite_range(0.0, 1e6));
  cmd->add_option("--budget", args->budget,
                  "Seconds for the whole suite (0: no limit): cases not started by then are skipped, the rows so far kept")
      ->check(finite_range(0.0, 1e6));
  cmd->add_flag("--quick", args->quick, "Small sizes only (smoke runs)");
  cmd->callback([&global, args] { run_bench(global, *args); });
}
}  // namespace

ROBOMLX_COMMAND(bench, add_bench);

}  // namespace robomlx::cli
