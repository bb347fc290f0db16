// SPDX-License-Identifier: Apache-2.0
// `robomlx splat golden <folder>`: renders and back-propagates every graphdeco golden case under
// <folder> (shared/golden/splat): one PASS/FAIL line each with PSNR, radii mismatches and gradient
// cosines, then "N passed, M failed"; exit 1 on any failure, 3 when a case's files are malformed.
#include "golden_command.h"
#include "robomlx/splat/splat_golden.h"

namespace robomlx::cli {

namespace {

void add_splat_golden(CLI::App& app, GlobalOptions& global) {
  add_golden_command(ensure_subcommand(app, "splat", "3D Gaussian splatting: render, train, parity"), global,
                     Workload::general, "Check the rasterizer against graphdeco golden renders and gradients",
                     "Folder of case sub-folders (shared/golden/splat)",
                     [](const std::string& dir) { return splat::run_splat_golden_case(dir); });
}

}  // namespace

ROBOMLX_COMMAND(splat_golden, add_splat_golden);

}  // namespace robomlx::cli
