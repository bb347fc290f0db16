// SPDX-License-Identifier: Apache-2.0
// The mujoco backend's stand-in for builds without mujoco-core (CMake picks this file then).
#include "robomlx/core/error.h"
#include "robomlx/sim/mujoco_env.h"

namespace robomlx::sim {

bool mujoco_built() { return false; }
std::string mujoco_version() { return ""; }

std::unique_ptr<SimBackend> make_mujoco_env(const std::string& task, int, std::uint64_t, const std::string&) {
  throw UnsupportedFeatureError("[sim.mujoco] this build has no MuJoCo backend (scripts/setup installs mujoco-core "
                                "4.0.1 into .venv; reconfigure to build it), so task " + task + " cannot run on it");
}

}  // namespace robomlx::sim
