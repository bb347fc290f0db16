// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the `robomlx stereo ...` subcommands (one file per subcommand).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "robomlx/stereo/config.h"

namespace robomlx::cli {

/// Flags that every stereo subcommand accepts to build its StereoConfig.
struct StereoConfigArgs {
  std::string config;              // --config FILE; default ~/zed/settings/mlx_live_stereo.json if present
  bool no_config = false;          // --no-config: ignore the default file
  std::vector<std::string> sets;   // --set section.key=value (any config key)
  int min_disparity = -100000;     // sentinel = "not given"
  int max_disparity = -1;
  std::string calib, resolution;
  double focal_px = -1, baseline_mm = -1;
  std::string depth_unit;
};

void add_stereo_config_flags(CLI::App* cmd, StereoConfigArgs& args);

/// File (explicit, else the default location when it exists), then flags; validated.
/// Prints which file was loaded to stderr.
stereo::StereoConfig resolve_stereo_config(const StereoConfigArgs& args);

void add_stereo_depth(CLI::App* stereo, GlobalOptions& global);
void add_stereo_eval(CLI::App* stereo, GlobalOptions& global);
void add_stereo_tune(CLI::App* stereo, GlobalOptions& global);
void add_stereo_live(CLI::App* stereo, GlobalOptions& global);

}  // namespace robomlx::cli
