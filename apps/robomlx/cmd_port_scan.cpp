// SPDX-License-Identifier: Apache-2.0
// `robomlx port-scan PATH...`: the seed's porting method as a tool. Finds CUDA-first and
// Linux-first blockers (compute, kernel, sim, sensor, platform, server) in Python, C/C++, CUDA,
// Triton and build files, classifies them with the seed's replacements, and prints a port plan.
// Exit 0 with findings; 1 on error, and when --fail-on names a bucket that has findings (for CI).
// Skipped files are warnings on stderr ("robomlx: warning: ..."), never a failure.
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/port_scan/scan_report.h"

namespace robomlx::cli {

namespace {
struct PortScanArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string out;
  std::vector<std::string> fail_on;
  std::vector<std::string> excludes;
  int jobs = 0;
  bool quiet = false;
};

void run_port_scan(const PortScanArgs& a) {
  namespace ps = port_scan;
  const auto format = ps::parse_report_format(a.format);
  if (!format) throw std::invalid_argument("--format: '" + a.format + "' is none of text, json, sarif, markdown");
  std::vector<ps::Bucket> gates;
  bool any = false;
  for (const std::string& b : a.fail_on) {
    if (b == "any") {
      any = true;
    } else if (auto bucket = ps::parse_bucket(b)) {
      gates.push_back(*bucket);
    } else {
      throw std::invalid_argument("--fail-on: '" + b + "' is no bucket (compute, kernel, sim, sensor, platform, server, any)");
    }
  }
  ps::ScanOptions options;
  options.paths = a.paths;
  options.excludes = a.excludes;
  options.jobs = a.jobs;
  const ps::ScanResult result = ps::scan_paths(options);
  const ps::ScanSummary summary = ps::summarize(result);
  if (!a.quiet) {
    for (const std::string& w : result.warnings) std::cerr << "robomlx: warning: " << w << '\n';
  }
  if (a.out.empty()) {
    ps::write_report(std::cout, *format, result, summary);
    std::cout.flush();
  } else {
    std::ostringstream text;
    ps::write_report(text, *format, result, summary);
    write_file_atomically(a.out, text.str());
  }
  std::size_t gated = 0;
  std::string names;
  for (const ps::BucketSummary& b : summary.buckets) {
    const bool on = any || std::find(gates.begin(), gates.end(), b.bucket) != gates.end();
    if (!on || b.findings == 0) continue;
    gated += b.findings;
    names += (names.empty() ? "" : ", ") + std::string(ps::to_string(b.bucket)) + " " + std::to_string(b.findings);
  }
  if (gated > 0) throw std::runtime_error("port-scan: " + std::to_string(gated) + " findings in --fail-on buckets (" + names + ")");
}

void add_port_scan(CLI::App& app, GlobalOptions&) {
  auto args = std::make_shared<PortScanArgs>();
  auto* cmd = app.add_subcommand("port-scan",
                                 "Find CUDA-first / Linux-first porting blockers and print a port plan (no MLX needed)");
  cmd->add_option("paths", args->paths, "Files or directories to scan")->required();
  cmd->add_option("--format", args->format, "Report: text, json, sarif (GitHub code scanning), markdown")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown", "md"}));
  cmd->add_option("--out", args->out, "Write the report to FILE (atomically) instead of stdout");
  cmd->add_option("--fail-on", args->fail_on,
                  "Exit 1 when this bucket has findings (repeatable): compute, kernel, sim, sensor, platform, server, any");
  cmd->add_option("--exclude", args->excludes, "Skip paths matching this glob (repeatable; '*' crosses '/')");
  cmd->add_option("--jobs", args->jobs, "Threads (default: ROBOMLX_NUM_THREADS, else all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--quiet", args->quiet, "Do not print warnings about skipped files");
  cmd->callback([args] { run_port_scan(*args); });
}
}  // namespace

ROBOMLX_COMMAND(port_scan, add_port_scan);

}  // namespace robomlx::cli
