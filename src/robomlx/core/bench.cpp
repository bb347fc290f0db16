// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>

#include <mlx/memory.h>
#include <mlx/primitives.h>
#include <mlx/transforms.h>
#include <mlx/version.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/device.h"
#include "robomlx/core/version.h"

namespace robomlx {

namespace {
using Clock = std::chrono::steady_clock;

std::map<std::string, BenchSuiteInfo>& registry() {
  static std::map<std::string, BenchSuiteInfo> suites;
  return suites;
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  double pos = q * (sorted.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
}  // namespace

TimingStats summarize_times(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  TimingStats s;
  if (ms.empty()) return s;
  s.median = percentile(ms, 0.5);
  s.p10 = percentile(ms, 0.1);
  s.p90 = percentile(ms, 0.9);
  s.min = ms.front();
  return s;
}

namespace {
// Primitives that share their input's buffer (exact names: SliceUpdate, say, is a kernel).
const std::set<std::string> kViews = {"AsStrided", "Broadcast", "BroadcastAxes", "Copy",         "ExpandDims",
                                      "Flatten",   "Reshape",   "Slice",         "Split",        "Squeeze",
                                      "StopGradient", "Transpose", "Unflatten", "View"};
}  // namespace

GraphSize graph_size(const std::vector<mx::array>& outputs) {
  std::unordered_set<std::uintptr_t> seen, counted;  // counted: outputs of nodes already counted
  std::vector<mx::array> todo = outputs;
  GraphSize g;
  while (!todo.empty()) {
    mx::array a = todo.back();
    todo.pop_back();
    if (!seen.insert(a.id()).second || !a.has_primitive() || a.status() != mx::array::Status::unscheduled) continue;
    for (const auto& in : a.inputs()) todo.push_back(in);
    if (!counted.insert(a.id()).second) continue;  // a sibling output of a counted node
    for (const auto& sib : a.siblings()) counted.insert(sib.id());
    ++g.nodes;
    g.kernels += kViews.count(a.primitive().name()) ? 0 : 1;
  }
  return g;
}

BenchContext::BenchContext(std::string suite, mx::Device device, BenchOptions options)
    : suite_(std::move(suite)), device_(device), options_(options) {}

BenchResult& BenchContext::run(const std::string& name, const std::function<std::vector<mx::array>()>& fn,
                               const std::string& impl) {
  auto once = [&] {
    auto outs = fn();
    mx::eval(outs);
    mx::synchronize();
  };
  BenchResult& r = run_host(name, once, impl);
  return r;
}

BenchResult& BenchContext::run_host(const std::string& name, const std::function<void()>& fn,
                                    const std::string& impl) {
  if (!wants(name)) {
    skipped_ = BenchResult{};
    skipped_.name = name;
    return skipped_;
  }
  for (int i = 0; i < options_.warmup; ++i) fn();
  mx::reset_peak_memory();
  std::vector<double> times;
  auto start = Clock::now();
  for (int i = 0; i < options_.repeats; ++i) {
    auto t0 = Clock::now();
    fn();
    auto t1 = Clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    double elapsed = std::chrono::duration<double>(t1 - start).count();
    if (times.size() >= 3 && elapsed > options_.max_seconds_per_case) break;
  }
  BenchResult r;
  r.suite = suite_;
  r.name = name;
  r.impl = impl;
  r.device = describe_device(device_);
  r.samples = static_cast<int>(times.size());
  auto st = summarize_times(times);
  r.median_ms = st.median;
  r.p10_ms = st.p10;
  r.p90_ms = st.p90;
  r.min_ms = st.min;
  r.peak_bytes = mx::get_peak_memory();
  results_.push_back(std::move(r));
  if (on_result) on_result(results_.back());
  return results_.back();
}

bool BenchContext::wants(const std::string& name) const {
  const char* filter = std::getenv("ROBOMLX_BENCH_FILTER");
  if (filter && *filter) {
    bool kept = false;
    const std::string f = filter;
    for (std::size_t begin = 0; begin <= f.size() && !kept;) {
      const std::size_t end = std::min(f.find('|', begin), f.size());
      const std::string part = f.substr(begin, end - begin);
      kept = !part.empty() && name.find(part) != std::string::npos;
      begin = end + 1;
    }
    if (!kept) return false;
  }
  return !budget_spent();
}

bool BenchContext::budget_spent() const {
  return options_.budget_seconds > 0 &&
         std::chrono::duration<double>(Clock::now() - start_).count() > options_.budget_seconds;
}

bool register_bench_suite(const std::string& name, const std::string& description, BenchSuiteFn fn) {
  registry()[name] = BenchSuiteInfo{name, description, std::move(fn)};
  return true;
}

const std::map<std::string, BenchSuiteInfo>& bench_suites() { return registry(); }

std::string machine_description() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos) model = line.substr(pos + 2);
      break;
    }
  }
  std::ostringstream os;
  os << model << ", " << std::thread::hardware_concurrency() << " cores";
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  if (meminfo >> key >> kb && key == "MemTotal:") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", kb / (1024.0 * 1024.0));
    os << ", " << buf;
  }
  return os.str();
}

std::string format_bench_header() {
  char line[256];
  std::snprintf(line, sizeof line, "%-44s %-10s %10s %10s %10s %9s  %s\n", "case", "impl", "median ms", "p10 ms",
                "p90 ms", "peak MiB", "metrics");
  return line;
}

std::string format_bench_row(const BenchResult& r) {
  std::string metrics;
  for (const auto& [k, v] : r.metrics) {
    char m[64];
    std::snprintf(m, sizeof m, "%s%s=%.3g", metrics.empty() ? "" : " ", k.c_str(), v);
    metrics += m;
  }
  char line[512];
  std::snprintf(line, sizeof line, "%-44s %-10s %10.3f %10.3f %10.3f %9.1f  %s\n", r.name.c_str(), r.impl.c_str(),
                r.median_ms, r.p10_ms, r.p90_ms, r.peak_bytes / (1024.0 * 1024.0), metrics.c_str());
  return line;
}

std::string format_bench_table(const std::vector<BenchResult>& results) {
  std::string out = format_bench_header();
  for (const auto& r : results) out += format_bench_row(r);
  return out;
}

std::string bench_results_json(const std::vector<BenchResult>& results, const std::string& device) {
  nlohmann::json doc;
  doc["robomlx_version"] = kVersion;
  doc["mlx_version"] = mx::version();
  doc["machine"] = machine_description();
  doc["device"] = device;
  doc["results"] = nlohmann::json::array();
  for (const auto& r : results) {
    doc["results"].push_back({{"suite", r.suite},
                              {"name", r.name},
                              {"impl", r.impl},
                              {"device", r.device},
                              {"samples", r.samples},
                              {"median_ms", r.median_ms},
                              {"p10_ms", r.p10_ms},
                              {"p90_ms", r.p90_ms},
                              {"min_ms", r.min_ms},
                              {"peak_bytes", r.peak_bytes},
                              {"metrics", r.metrics}});
  }
  return doc.dump(2);
}

}  // namespace robomlx
