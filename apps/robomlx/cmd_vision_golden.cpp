// SPDX-License-Identifier: Apache-2.0
// `robomlx vision golden <folder>`: the CLIP and SAM cases of shared/golden/vision, one PASS/FAIL
// line per case (the checks that failed, with their errors against the README's tolerances), then
// "N passed, M failed"; exit 1 on any failure, 3 when a case's own files are malformed.
#include "golden_command.h"
#include "robomlx/vision/vision_golden.h"

namespace robomlx::cli {

namespace {

void add_vision_golden(CLI::App& app, GlobalOptions& global) {
  add_golden_command(ensure_subcommand(app, "vision", "CLIP and SAM: embeddings, open-vocabulary segmentation, parity"), global,
                     Workload::general, "Check CLIP and SAM against the transformers references in a golden folder",
                     "Folder of case sub-folders (shared/golden/vision)",
                     [](const std::string& dir) { return vision::run_vision_golden_case(dir); });
}

}  // namespace

ROBOMLX_COMMAND(vision_golden, add_vision_golden);

}  // namespace robomlx::cli
