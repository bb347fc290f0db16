// SPDX-License-Identifier: Apache-2.0
// port-scan's options and run (port_scan_cli.h). Needs only the port_scan sources and the atomic
// file writer: it is compiled into both the full CLI and the lean robomlx-port-scan.
#include "port_scan_cli.h"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "robomlx/core/io/atomic_file.h"
#include "robomlx/port_scan/scan_report.h"

namespace robomlx::cli {

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

void add_port_scan_options(CLI::App& cmd, const std::shared_ptr<PortScanArgs>& args) {
  cmd.add_option("paths", args->paths, "Files or directories to scan")->required();
  cmd.add_option("--format", args->format, "Report: text, json, sarif (GitHub code scanning), markdown")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown", "md"}));
  cmd.add_option("--out", args->out, "Write the report to FILE (atomically) instead of stdout");
  cmd.add_option("--fail-on", args->fail_on,
                 "Exit 1 when this bucket has findings (repeatable): compute, kernel, sim, sensor, platform, server, any");
  cmd.add_option("--exclude", args->excludes, "Skip paths matching this glob (repeatable; '*' crosses '/')");
  cmd.add_option("--jobs", args->jobs, "Threads (default: ROBOMLX_NUM_THREADS, else all cores)")->check(CLI::Range(0, 1024));
  cmd.add_flag("--quiet", args->quiet, "Do not print warnings about skipped files");
}

}  // namespace robomlx::cli
