// SPDX-License-Identifier: Apache-2.0
// The process side of `robomlx launch`: starts one child per rank in its own process group,
// forwards each child's stdout/stderr line by line with a "[rank r] " prefix, and propagates
// failure: when a rank exits non-zero (or by a signal) the others get `grace_s` seconds to exit by
// themselves (MLX's ring backend fails its pending collectives once a peer's socket closes), then
// SIGTERM, then SIGKILL 2 s later. SIGINT/SIGTERM to the launcher are forwarded to every rank.
#pragma once

#include <string>
#include <vector>

namespace robomlx::cli {

struct RankProcess {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH
  std::vector<std::string> env;   // "NAME=value" added to the launcher's environment
};

struct LaunchOutcome {
  int code = 0;         // 0 when every rank exited 0, else the first failing rank's status
  std::string failure;  // "rank r exited with code c" / "rank r was killed by signal s"; "" on success
};

LaunchOutcome run_ranks(const std::vector<RankProcess>& ranks, double grace_s);

}  // namespace robomlx::cli
