// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo <depth|eval|tune|live>`: registers the command group and the config flags the
// subcommands share. Parameters come from the JSON config (stereo/config.h), then flags.
#include <filesystem>
#include <iostream>

#include "cmd_stereo.h"

namespace robomlx::cli {

void add_stereo_config_flags(CLI::App* cmd, StereoConfigArgs& args) {
  cmd->add_option("--config", args.config,
                  "Parameter file (JSON); default " + stereo::default_config_path() + " when it exists");
  cmd->add_flag("--no-config", args.no_config, "Ignore the default parameter file");
  cmd->add_option("--set", args.sets, "Override any config key: section.key=value (e.g. sgm.p2=96), repeatable");
  cmd->add_option("--min-disparity", args.min_disparity, "Smallest disparity searched (sgm.min_disparity)");
  cmd->add_option("--max-disparity", args.max_disparity,
                  "Search disparities [min, N): sets sgm.num_disparities = N - min");
  cmd->add_option("--calib", args.calib, "ZED calibration SN<serial>.conf: rectify the inputs first");
  cmd->add_option("--resolution", args.resolution, "Resolution tag in the calibration (HD, FHD, 2K, VGA, ...)");
  cmd->add_option("--focal", args.focal_px, "Rectified focal length in px, for depth without --calib");
  cmd->add_option("--baseline-mm", args.baseline_mm, "Baseline in mm, for depth without --calib");
  cmd->add_option("--depth-unit", args.depth_unit, "Depth unit: mm or m");
}

stereo::StereoConfig resolve_stereo_config(const StereoConfigArgs& args) {
  stereo::StereoConfig config;
  if (!args.config.empty()) {
    config = stereo::load_config(args.config);
    std::cerr << "stereo: parameters from " << args.config << "\n";
  } else if (!args.no_config) {
    const std::string def = stereo::default_config_path();
    if (!def.empty() && std::filesystem::exists(def)) {
      config = stereo::load_config(def);
      std::cerr << "stereo: parameters from " << def << "\n";
    }
  }
  for (const auto& s : args.sets) stereo::apply_config_override(config, s);
  if (args.min_disparity != -100000) config.sgm.min_disparity = args.min_disparity;
  if (args.max_disparity != -1) {
    if (args.max_disparity <= config.sgm.min_disparity)
      throw std::invalid_argument("[stereo] --max-disparity must be > min disparity " +
                                  std::to_string(config.sgm.min_disparity) + ", got " +
                                  std::to_string(args.max_disparity));
    config.sgm.num_disparities = args.max_disparity - config.sgm.min_disparity;
  }
  if (!args.calib.empty()) config.rectify.calibration = args.calib;
  if (!args.resolution.empty()) config.rectify.resolution = args.resolution;
  if (args.focal_px >= 0) config.depth.focal_px = args.focal_px;
  if (args.baseline_mm >= 0) config.depth.baseline_mm = args.baseline_mm;
  if (!args.depth_unit.empty()) config.depth.unit = stereo::parse_depth_unit(args.depth_unit);
  config.validate();
  return config;
}

namespace {
void add_stereo(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("stereo", "Stereo depth: ZED calibration, rectification, SGM, depth, point clouds");
  cmd->require_subcommand(1);
  add_stereo_depth(cmd, global);
  add_stereo_eval(cmd, global);
  add_stereo_tune(cmd, global);
  add_stereo_live(cmd, global);
}
}  // namespace

ROBOMLX_COMMAND(stereo, add_stereo);

}  // namespace robomlx::cli
