// SPDX-License-Identifier: Apache-2.0
// Subcommand registration for the robomlx CLI. Each cmd_<name>.cpp defines one subcommand and
// registers it with ROBOMLX_COMMAND; main.cpp owns only global flags and error handling.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <mlx/device.h>

#include "robomlx/core/device_policy.h"

namespace robomlx::cli {

namespace mx = mlx::core;

/// Flags every subcommand shares.
struct GlobalOptions {
  std::string device;  // "", "auto", "cpu" or "gpu"; "" falls back to ROBOMLX_DEVICE, then auto
};

/// Resolves --device / ROBOMLX_DEVICE for a command running `workload` (auto picks by
/// core/device_policy.h), makes it MLX's default device and returns it.
mx::Device apply_device(const GlobalOptions& global, Workload workload = Workload::general);

/// The subcommand `name` of `parent`, created on first use: lets several cmd_*.cpp files add
/// sub-subcommands to one system command (`robomlx depth golden`, `robomlx depth process`).
CLI::App* ensure_subcommand(CLI::App& parent, const std::string& name, const std::string& description);

/// A check for a floating-point option: a finite number in [lo, hi]. (CLI::Range lets NaN through:
/// every comparison with it is false.)
CLI::Validator finite_range(double lo, double hi);

using CommandAdder = void (*)(CLI::App& app, GlobalOptions& global);

bool register_command(const char* name, CommandAdder adder);
void add_registered_commands(CLI::App& app, GlobalOptions& global);

}  // namespace robomlx::cli

#define ROBOMLX_COMMAND(name, adder) \
  static const bool robomlx_command_registered_##name = ::robomlx::cli::register_command(#name, adder)
