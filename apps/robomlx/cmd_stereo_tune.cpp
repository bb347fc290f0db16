// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo tune`: highgui trackbars over a still pair (--left/--right or --sbs) or a
// camera (--camera N), saving the JSON config. --frames N exits by itself (headless tests under
// xvfb-run).
#include <cstdio>

#include <mlx/mlx.h>

#include "cmd_stereo.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/stereo/depth_pipeline.h"
#include "robomlx/stereo/rectify.h"
#include "robomlx/stereo/video.h"
#include "robomlx/stereo/video_tune.h"

namespace robomlx::cli {

namespace {

namespace mx = mlx::core;

struct TuneArgs {
  StereoConfigArgs config;
  std::string left, right, sbs, save;
  int camera = -1;
  int frames = 0;
};

mx::array load(const std::string& path) {
  Image im = stereo::read_image(path);
  if (im.dtype != mx::uint8) throw std::invalid_argument("[stereo.tune] " + path + " must be an 8-bit image");
  return im.to_array();
}

void run_tune(const GlobalOptions& global, const TuneArgs& a) {
  const int sources = int(!a.left.empty() || !a.right.empty()) + int(!a.sbs.empty()) + int(a.camera >= 0);
  if (sources != 1) throw std::invalid_argument("[stereo.tune] give exactly one input: --left/--right, --sbs or --camera");
  if ((!a.left.empty()) != (!a.right.empty()))
    throw std::invalid_argument("[stereo.tune] --left and --right must be given together");
  stereo::StereoConfig config = resolve_stereo_config(a.config);
  const std::string save = a.save.empty() ? (a.config.config.empty() ? stereo::default_config_path() : a.config.config) : a.save;
  // Saved by keystroke, atomically, possibly several times: the path is checked now, before the session.
  if (!save.empty()) check_output_file(save, a.save.empty() ? "the config path" : "--save");
  apply_device(global, Workload::stereo_matching);

  stereo::TuneOptions options;
  options.frames = a.frames;
  options.save_path = save;
  std::optional<stereo::PipelineSetup> setup;
  auto rectified = [&](stereo::StereoPair pair) {
    if (!setup) setup = stereo::prepare_pipeline(config, pair.left.shape(1), pair.left.shape(0));
    if (setup->rectification) pair = stereo::rectify_pair(*setup->rectification, pair.left, pair.right);
    return pair;
  };
  if (a.camera >= 0) {
    auto cam = std::make_shared<stereo::FrameSource>(
        stereo::FrameSource::open_camera(a.camera, config.camera.width, config.camera.height, config.camera.fps));
    stereo::tune_interactively(
        [&, cam](mx::array& l, mx::array& r) {
          Image frame;
          if (!cam->read(frame)) return false;
          auto pair = rectified(stereo::split_side_by_side(frame.to_array()));
          l = pair.left;
          r = pair.right;
          return true;
        },
        config, options);
    return;
  }
  stereo::StereoPair still =
      a.sbs.empty() ? stereo::StereoPair{load(a.left), load(a.right)} : stereo::split_side_by_side(load(a.sbs));
  if (still.left.shape() != still.right.shape())
    throw std::invalid_argument("[stereo.tune] left and right images must have the same size");
  still = rectified(still);
  mx::eval(still.left, still.right);
  stereo::tune_interactively(
      [&](mx::array& l, mx::array& r) {
        l = still.left;
        r = still.right;
        return true;
      },
      config, options);
}

}  // namespace

void add_stereo_tune(CLI::App* stereo, GlobalOptions& global) {
  auto args = std::make_shared<TuneArgs>();
  auto* cmd = stereo->add_subcommand("tune", "Tune SGM parameters with trackbars (keys: s save, r reset, q quit)");
  cmd->add_option("--left", args->left, "Left image of a still pair");
  cmd->add_option("--right", args->right, "Right image of a still pair");
  cmd->add_option("--sbs", args->sbs, "Side-by-side still image");
  cmd->add_option("--camera", args->camera, "Side-by-side UVC camera index")->check(CLI::NonNegativeNumber);
  cmd->add_option("--frames", args->frames, "Exit after N frames and save (0 = until q)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--save", args->save, "Where to save the config (default: --config, else " +
                                            stereo::default_config_path() + ")");
  add_stereo_config_flags(cmd, args->config);
  cmd->callback([&global, args] { run_tune(global, *args); });
}

}  // namespace robomlx::cli
