// SPDX-License-Identifier: Apache-2.0
// `robomlx port-scan PATH...`: the seed's porting method as a tool. Finds CUDA-first and
// Linux-first blockers (compute, kernel, sim, sensor, platform, server) in Python, C/C++, CUDA,
// Triton and build files, classifies them with the seed's replacements, and prints a port plan.
// Exit 0 with findings; 1 on error, and when --fail-on names a bucket that has findings (for CI).
// Skipped files are warnings on stderr ("robomlx: warning: ..."), never a failure.
// The options and the run live in port_scan_cli.cpp, shared with the lean robomlx-port-scan.
#include <memory>

#include "command.h"
#include "port_scan_cli.h"

namespace robomlx::cli {

namespace {
void add_port_scan(CLI::App& app, GlobalOptions&) {
  auto args = std::make_shared<PortScanArgs>();
  auto* cmd = app.add_subcommand("port-scan",
                                 "Find CUDA-first / Linux-first porting blockers and print a port plan (no MLX needed; "
                                 "robomlx-port-scan is the same command without the library's start-up)");
  add_port_scan_options(*cmd, args);
  cmd->callback([args] { run_port_scan(*args); });
}
}  // namespace

ROBOMLX_COMMAND(port_scan, add_port_scan);

}  // namespace robomlx::cli
