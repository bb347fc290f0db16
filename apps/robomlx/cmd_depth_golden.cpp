// SPDX-License-Identifier: Apache-2.0
// `robomlx depth golden <folder>`: runs every librealsense golden case under <folder>
// (shared/golden/realsense), one PASS/FAIL line each and "N passed, M failed"; exit 1 on any failure,
// exit 3 (one line naming the file and field) when a case's files are malformed.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "command.h"
#include "robomlx/depth/golden.h"

namespace robomlx::cli {

namespace {

void add_depth_golden(CLI::App& app, GlobalOptions& global) {
  auto folder = std::make_shared<std::string>();
  auto* depth = ensure_subcommand(app, "depth", "Intel RealSense processing blocks");
  auto* cmd = depth->add_subcommand("golden", "Check the blocks against librealsense golden vectors");
  cmd->add_option("folder", *folder, "Folder of case sub-folders (shared/golden/realsense)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->callback([&global, folder] {
    apply_device(global, Workload::depth_filters);
    const auto results =
        run_golden_cases(*folder, [](const std::string& dir) { return depth::run_depth_golden_case(dir); }, std::cout);
    std::cout.flush();
    // A malformed case file is the user's input at fault: exit 3 with one line naming it.
    for (const auto& r : results)
      if (r.malformed) std::rethrow_exception(r.malformed);
    for (const auto& r : results) {
      if (!r.passed) {
        std::cout.flush();
        std::exit(1);  // the per-case lines already say what failed
      }
    }
  });
}

}  // namespace

ROBOMLX_COMMAND(depth_golden, add_depth_golden);

}  // namespace robomlx::cli
