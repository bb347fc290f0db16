// SPDX-License-Identifier: Apache-2.0
// `robomlx splat golden <folder>`: renders and back-propagates every graphdeco golden case under
// <folder> (shared/golden/splat): one PASS/FAIL line each with PSNR, radii mismatches and gradient
// cosines, then "N passed, M failed"; exit 1 on any failure, 3 when a case's files are malformed.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "command.h"
#include "robomlx/splat/splat_golden.h"

namespace robomlx::cli {

namespace {

void add_splat_golden(CLI::App& app, GlobalOptions& global) {
  auto folder = std::make_shared<std::string>();
  auto* splat = ensure_subcommand(app, "splat", "3D Gaussian splatting: render, train, parity");
  auto* cmd = splat->add_subcommand("golden", "Check the rasterizer against graphdeco golden renders and gradients");
  cmd->add_option("folder", *folder, "Folder of case sub-folders (shared/golden/splat)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->callback([&global, folder] {
    apply_device(global, Workload::general);
    const auto results = run_golden_cases(
        *folder, [](const std::string& dir) { return splat::run_splat_golden_case(dir); }, std::cout);
    std::cout.flush();
    for (const auto& r : results)
      if (r.malformed) std::rethrow_exception(r.malformed);
    for (const auto& r : results)
      if (!r.passed) std::exit(1);
  });
}

}  // namespace

ROBOMLX_COMMAND(splat_golden, add_splat_golden);

}  // namespace robomlx::cli
