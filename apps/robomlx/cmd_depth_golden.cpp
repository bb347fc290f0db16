// SPDX-License-Identifier: Apache-2.0
// `robomlx depth golden <folder>`: runs every librealsense golden case under <folder>
// (shared/golden/realsense), one PASS/FAIL line each and "N passed, M failed"; exit 1 on any failure,
// exit 3 (one line naming the file and field) when a case's files are malformed.
#include "golden_command.h"
#include "robomlx/depth/golden.h"

namespace robomlx::cli {

namespace {

void add_depth_golden(CLI::App& app, GlobalOptions& global) {
  add_golden_command(ensure_subcommand(app, "depth", "Intel RealSense processing blocks"), global,
                     Workload::depth_filters, "Check the blocks against librealsense golden vectors",
                     "Folder of case sub-folders (shared/golden/realsense)",
                     [](const std::string& dir) { return depth::run_depth_golden_case(dir); });
}

}  // namespace

ROBOMLX_COMMAND(depth_golden, add_depth_golden);

}  // namespace robomlx::cli
