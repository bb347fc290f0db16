// SPDX-License-Identifier: Apache-2.0
// The `mujoco` backend: one mjData per env, stepped by a thread pool, with the task's observation,
// reward, termination and reset written on the host in double precision. MuJoCo is the real engine
// (mujoco-core 4.0.1 from PyPI, linked by full path from .venv); a build without it keeps this
// interface and throws UnsupportedFeatureError from make_mujoco_env.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

/// Whether this build has the mujoco backend (CMake found libmujoco.so.4.0.1).
bool mujoco_built();
/// MuJoCo's version string ("4.0.1"), or "" without the backend.
std::string mujoco_version();

/// `task` (a short name) on MuJoCo with `num_envs` envs. `mjcf` replaces the task's model file
/// (it must have the same joints and actuators); "" uses the built-in or packaged one. Throws
/// FormatError "[sim.mjcf] FILE: ..." for a model MuJoCo rejects, UnsupportedFeatureError for a
/// task without a MuJoCo model or a build without MuJoCo.
std::unique_ptr<SimBackend> make_mujoco_env(const std::string& task, int num_envs, std::uint64_t seed,
                                            const std::string& mjcf = "");

}  // namespace robomlx::sim
