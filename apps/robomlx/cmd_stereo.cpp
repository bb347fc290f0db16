// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo <depth|eval|tune|live>`: registers the command group and the config flags the
// subcommands share. Parameters come from the JSON config (stereo/config.h), then flags.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cmd_stereo.h"
#include "robomlx/core/error.h"

namespace robomlx::cli {

void add_stereo_config_flags(CLI::App* cmd, StereoConfigArgs& args) {
  cmd->add_option("--config", args.config,
                  "Parameter file (JSON); default " + stereo::default_config_path() + " when it exists");
  cmd->add_flag("--no-config", args.no_config, "Ignore the default parameter file");
  cmd->add_option("--set", args.sets, "Override any config key: section.key=value (e.g. sgm.p2=96), repeatable");
  args.min_option = cmd->add_option("--min-disparity", args.min_disparity, "Smallest disparity searched (sgm.min_disparity)");
  args.max_option = cmd->add_option("--max-disparity", args.max_disparity,
                                    "Search disparities [min, N): sets sgm.num_disparities = N - min");
  cmd->add_option("--calib", args.calib, "ZED calibration SN<serial>.conf: rectify the inputs first");
  cmd->add_option("--resolution", args.resolution, "Resolution tag in the calibration (HD, FHD, 2K, VGA, ...)");
  args.focal_option = cmd->add_option("--focal", args.focal_px, "Rectified focal length in px, for depth without --calib");
  args.baseline_option = cmd->add_option("--baseline-mm", args.baseline_mm, "Baseline in mm, for depth without --calib");
  cmd->add_option("--depth-unit", args.depth_unit, "Depth unit: mm or m");
}

namespace {
std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

double positive_flag(const char* flag, double v, const char* what) {
  if (!(std::isfinite(v) && v > 0))
    throw std::invalid_argument(std::string("[stereo] ") + flag + " must be " + what + ", a finite number > 0, got " +
                                number(v));
  return v;
}
}  // namespace

stereo::StereoConfig resolve_stereo_config(const StereoConfigArgs& args) {
  stereo::StereoConfig config;
  std::vector<std::string> sources{"defaults"};
  std::string file = args.config;
  if (file.empty() && !args.no_config) {
    const std::string def = stereo::default_config_path();
    if (!def.empty() && std::filesystem::exists(def)) file = def;
  }
  if (!file.empty()) {
    stereo::merge_config_file(config, file);
    std::cerr << "stereo: parameters from " << file << "\n";
    sources.push_back(file);
  }
  for (const auto& s : args.sets) {
    stereo::merge_config_override(config, s);
    sources.push_back("--set " + s);
  }
  if (StereoConfigArgs::given(args.min_option)) {
    config.sgm.min_disparity = args.min_disparity;
    sources.push_back("--min-disparity " + std::to_string(args.min_disparity));
  }
  if (StereoConfigArgs::given(args.max_option)) {
    if (args.max_disparity <= config.sgm.min_disparity)
      throw std::invalid_argument("[stereo] --max-disparity must be > sgm.min_disparity = " +
                                  std::to_string(config.sgm.min_disparity) + ", got " + std::to_string(args.max_disparity));
    config.sgm.num_disparities = args.max_disparity - config.sgm.min_disparity;
    sources.push_back("--max-disparity " + std::to_string(args.max_disparity));
  }
  if (!args.calib.empty()) config.rectify.calibration = args.calib;
  if (!args.resolution.empty()) config.rectify.resolution = args.resolution;
  if (StereoConfigArgs::given(args.focal_option)) {
    config.depth.focal_px = positive_flag("--focal", args.focal_px, "the rectified focal length in px");
    sources.push_back("--focal " + number(args.focal_px));
  }
  if (StereoConfigArgs::given(args.baseline_option)) {
    config.depth.baseline_mm = positive_flag("--baseline-mm", args.baseline_mm, "the stereo baseline in mm");
    sources.push_back("--baseline-mm " + number(args.baseline_mm));
  }
  if (!args.depth_unit.empty()) config.depth.unit = stereo::parse_depth_unit(args.depth_unit);
  // Validated once, after every source is merged: the order of sources does not matter.
  try {
    config.validate();
  } catch (const std::invalid_argument& e) {
    if (!file.empty()) {
      // The file is to blame when, over the defaults alone, it fails the same way: the command
      // line did not touch what is wrong.
      stereo::StereoConfig alone;
      stereo::merge_config_file(alone, file);
      try {
        alone.validate();
      } catch (const std::invalid_argument& own) {
        if (std::string(own.what()) == e.what()) throw FormatError(file, e.what());
      }
    }
    std::string from;
    for (const auto& s : sources) from += (from.empty() ? "" : ", ") + s;
    throw std::invalid_argument(std::string(e.what()) + "; settings merged from: " + from);
  }
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
