// SPDX-License-Identifier: Apache-2.0
// The port-scan command line, shared by `robomlx port-scan` and the lean `robomlx-port-scan`
// executable (apps/robomlx-port-scan: no MLX, no OpenCV, so it starts in about a millisecond
// where the full CLI spends a few hundred loading its ~270 shared libraries).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace robomlx::cli {

struct PortScanArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string out;
  std::vector<std::string> fail_on;
  std::vector<std::string> excludes;
  int jobs = 0;
  bool quiet = false;
};

/// Adds port-scan's positional paths and options to `cmd`, filling `args` on parse.
void add_port_scan_options(CLI::App& cmd, const std::shared_ptr<PortScanArgs>& args);

/// Scans, prints or writes the report. Throws std::invalid_argument on a bad option value and
/// std::runtime_error on a missing path or on findings in a --fail-on bucket (both exit 1 in main).
void run_port_scan(const PortScanArgs& args);

}  // namespace robomlx::cli
