// SPDX-License-Identifier: Apache-2.0
#include "golden_command.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>

namespace robomlx::cli {

void add_golden_command(CLI::App* system, GlobalOptions& global, Workload workload, const std::string& description,
                        const std::string& folder_help, std::function<GoldenCaseResult(const std::string&)> run_case) {
  auto folder = std::make_shared<std::string>();
  auto* cmd = system->add_subcommand("golden", description);
  cmd->add_option("folder", *folder, folder_help)->required()->check(CLI::ExistingDirectory);
  cmd->callback([&global, folder, workload, run_case = std::move(run_case)] {
    apply_device(global, workload);
    const auto results = run_golden_cases(*folder, run_case, std::cout);
    std::cout.flush();
    // A malformed case file is the user's input at fault: exit 3 with one line naming it.
    for (const auto& r : results)
      if (r.malformed) std::rethrow_exception(r.malformed);
    for (const auto& r : results)
      if (!r.passed) std::exit(1);  // the per-case lines already say what failed
  });
}

}  // namespace robomlx::cli
