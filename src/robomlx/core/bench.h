// SPDX-License-Identifier: Apache-2.0
// Benchmark harness behind `robomlx bench <suite>`.
//
// A suite is a function registered under a name (bench/<system>/*_bench.cpp). It calls
// BenchContext::run for each case; run() warms up, then times `repeats` iterations, each
// ending in mx::eval of the returned arrays and mx::synchronize, so device work is inside
// the clock. Results carry median / p10 / p90 in milliseconds, peak memory, the device and
// free-form metrics (GB/s, ratios against a peer timed in the same run).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

namespace robomlx {

namespace mx = mlx::core;

struct BenchOptions {
  int warmup = 3;
  int repeats = 20;
  double max_seconds_per_case = 10.0;  // stops repeating early (keeps >= 3 samples)
  /// The suite's wall-clock budget in seconds (0: none): once spent, the cases not started yet are
  /// skipped (the rows so far are kept and written), so a run fits a lent machine's call limit.
  double budget_seconds = 0;
};

struct BenchResult {
  std::string suite;
  std::string name;     // e.g. "segment_sum T=10M K=200k"
  std::string impl;     // "portable", "cpu", "cuda", or a peer name ("opencv", "torch")
  std::string device;   // "cpu", "gpu:0 (NVIDIA H100 ...)"
  int samples = 0;
  double median_ms = 0, p10_ms = 0, p90_ms = 0, min_ms = 0;
  std::size_t peak_bytes = 0;              // MLX peak memory during the timed loop
  std::map<std::string, double> metrics;   // "GB/s", "ratio_vs_opencv", ...
};

/// Summary statistics of per-iteration times in milliseconds.
struct TimingStats {
  double median = 0, p10 = 0, p90 = 0, min = 0;
};
TimingStats summarize_times(std::vector<double> ms);

/// Size of the lazy graph behind `outputs` (scheduled or evaluated arrays end the walk):
/// primitives, and those that launch work (views such as slices, reshapes, bit casts and no-op
/// copies share their input's buffer; a compiled function's fused kernel is one primitive). On a GPU, small
/// workloads' time is mostly launches, so these are the numbers to shrink.
struct GraphSize {
  int nodes = 0, kernels = 0;
};
GraphSize graph_size(const std::vector<mx::array>& outputs);

class BenchContext {
 public:
  BenchContext(std::string suite, mx::Device device, BenchOptions options);

  /// Times `fn` (returns the arrays to evaluate) and records the result.
  BenchResult& run(const std::string& name, const std::function<std::vector<mx::array>()>& fn,
                   const std::string& impl = "portable");
  /// Times a host-side peer (OpenCV, a plain loop) the same way, for ratios.
  /// A case that wants() refuses is skipped (not run, not recorded; the returned result is a
  /// scratch one with samples == 0).
  BenchResult& run_host(const std::string& name, const std::function<void()>& fn, const std::string& impl);
  /// Whether case `name` would run: ROBOMLX_BENCH_FILTER keeps it (unset, or `name` contains one
  /// of its '|'-separated texts, e.g. "cartpole|quadcopter") and the budget is not spent. Suites
  /// with costly set-up ask first, so that a filtered-out case costs nothing.
  bool wants(const std::string& name) const;
  /// Whether the budget is spent (the cases from then on were skipped).
  bool budget_spent() const;

  const mx::Device& device() const { return device_; }
  const BenchOptions& options() const { return options_; }
  std::vector<BenchResult>& results() { return results_; }
  /// True when --quick asked for small sizes (CI smoke runs).
  bool quick = false;
  /// Called with each result as soon as it is measured (the CLI prints rows as they come, so a
  /// case that fails later does not hide the ones before it).
  std::function<void(const BenchResult&)> on_result;

 private:
  std::string suite_;
  mx::Device device_;
  BenchOptions options_;
  std::vector<BenchResult> results_;
  BenchResult skipped_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

using BenchSuiteFn = std::function<void(BenchContext&)>;

/// Registers a suite; returns true so it can initialise a static (see ROBOMLX_BENCH_SUITE).
bool register_bench_suite(const std::string& name, const std::string& description, BenchSuiteFn fn);

struct BenchSuiteInfo {
  std::string name;
  std::string description;
  BenchSuiteFn fn;
};
const std::map<std::string, BenchSuiteInfo>& bench_suites();

/// "Intel(R) Xeon(R) ... , 2 cores, 23.4 GiB" — for result files.
std::string machine_description();

/// Fixed-width table of results: the header line, one row, or both for a whole list.
std::string format_bench_header();
std::string format_bench_row(const BenchResult& r);
std::string format_bench_table(const std::vector<BenchResult>& results);
/// JSON document: {machine, mlx_version, robomlx_version, device, results: [...]}.
std::string bench_results_json(const std::vector<BenchResult>& results, const std::string& device);

}  // namespace robomlx

/// Registers a suite from a bench/*.cpp file: ROBOMLX_BENCH_SUITE(core, "ragged helpers", fn).
#define ROBOMLX_BENCH_SUITE(name, description, fn) \
  static const bool robomlx_bench_registered_##name = ::robomlx::register_bench_suite(#name, description, fn)
