// SPDX-License-Identifier: Apache-2.0
// `robomlx <system> golden <folder>`, shared by the systems with golden vectors (depth, splat, vision).
#pragma once

#include <functional>
#include <string>

#include "command.h"
#include "robomlx/core/testing.h"

namespace robomlx::cli {

/// Adds `golden <folder>` to `system`: runs `run_case` on every case sub-folder (run_golden_cases:
/// one PASS/FAIL line each, then "N passed, M failed") on the device `workload` picks; exits 1 when
/// a case failed, 3 (one line naming the file and field) when a case's own files are malformed.
void add_golden_command(CLI::App* system, GlobalOptions& global, Workload workload, const std::string& description,
                        const std::string& folder_help, std::function<GoldenCaseResult(const std::string&)> run_case);

}  // namespace robomlx::cli
