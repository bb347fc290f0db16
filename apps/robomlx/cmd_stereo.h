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
  int min_disparity = 0;
  int max_disparity = 0;
  std::string calib, resolution;
  double focal_px = 0, baseline_mm = 0;
  std::string depth_unit;
  // The flags whose presence matters (a value of 0, -500 or nan given is not "not given").
  CLI::Option *min_option = nullptr, *max_option = nullptr, *focal_option = nullptr, *baseline_option = nullptr;
  static bool given(const CLI::Option* o) { return o != nullptr && o->count() > 0; }
};

void add_stereo_config_flags(CLI::App* cmd, StereoConfigArgs& args);

/// Defaults, then the file (explicit, else the default location when it exists), then every
/// --set, then the flags, merged first and validated once as a whole (README "Output and command
/// policies"). A bad combination names both keys and where the settings came from (exit 2); a
/// file that is inconsistent on its own is a FormatError naming it (exit 3). Prints which file was
/// loaded to stderr.
stereo::StereoConfig resolve_stereo_config(const StereoConfigArgs& args);

void add_stereo_depth(CLI::App* stereo, GlobalOptions& global);
void add_stereo_eval(CLI::App* stereo, GlobalOptions& global);
void add_stereo_tune(CLI::App* stereo, GlobalOptions& global);
void add_stereo_live(CLI::App* stereo, GlobalOptions& global);

}  // namespace robomlx::cli
