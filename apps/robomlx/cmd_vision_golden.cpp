// SPDX-License-Identifier: Apache-2.0
// `robomlx vision golden <folder>`: the CLIP and SAM cases of shared/golden/vision, one PASS/FAIL
// line per case (the checks that failed, with their errors against the README's tolerances), then
// "N passed, M failed"; exit 1 on any failure, 3 when a case's own files are malformed.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "command.h"
#include "robomlx/vision/vision_golden.h"

namespace robomlx::cli {

namespace {

void add_vision_golden(CLI::App& app, GlobalOptions& global) {
  auto folder = std::make_shared<std::string>();
  auto* vision = ensure_subcommand(app, "vision", "CLIP and SAM: embeddings, open-vocabulary segmentation, parity");
  auto* cmd = vision->add_subcommand("golden", "Check CLIP and SAM against the transformers references in a golden folder");
  cmd->add_option("folder", *folder, "Folder of case sub-folders (shared/golden/vision)")->required()->check(CLI::ExistingDirectory);
  cmd->callback([&global, folder] {
    apply_device(global, Workload::general);
    const auto results = run_golden_cases(*folder, [](const std::string& dir) { return vision::run_vision_golden_case(dir); }, std::cout);
    std::cout.flush();
    for (const auto& r : results)
      if (r.malformed) std::rethrow_exception(r.malformed);
    for (const auto& r : results)
      if (!r.passed) std::exit(1);
  });
}

}  // namespace

ROBOMLX_COMMAND(vision_golden, add_vision_golden);

}  // namespace robomlx::cli
