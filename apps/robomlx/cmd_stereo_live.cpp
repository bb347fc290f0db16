// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo live`: a side-by-side UVC camera (ZED) through cv::VideoCapture -> rectified
// disparity in a preview window and/or files. Without a camera: UnsupportedFeatureError.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <mlx/mlx.h>

#include "cmd_stereo.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/depth_pipeline.h"
#include "robomlx/stereo/rectify.h"
#include "robomlx/stereo/video.h"
#include "robomlx/stereo/video_tune.h"

namespace robomlx::cli {

namespace {

namespace mx = mlx::core;

struct LiveArgs {
  StereoConfigArgs config;
  int camera = -1;
  int frames = 0;
  bool no_window = false;
  bool list_controls = false;
  bool raw_yuyv = false;
  std::string out;
  std::vector<std::string> controls;  // name=value
};

void run_live(const GlobalOptions& global, const LiveArgs& a) {
  stereo::StereoConfig config = resolve_stereo_config(a.config);
  if (a.camera >= 0) config.camera.index = a.camera;
  if (a.no_window && a.out.empty() && !a.list_controls && a.frames == 0)
    throw std::invalid_argument("[stereo.live] --no-window needs --out DIR or --frames N (else nothing is shown or kept)");
  // --out is staged like every output folder and appears when the session ends normally (q in
  // the window, or --frames N); a signal discards it. Headless, only --frames can end it.
  if (a.no_window && !a.out.empty() && a.frames == 0)
    throw std::invalid_argument("[stereo.live] --out with --no-window needs --frames N (the folder is kept when the "
                                "session ends normally; a signal discards it)");
  OutputStage stage;
  const std::string out_dir = a.out.empty() ? "" : stage.folder(a.out, "--out");
  apply_device(global, Workload::stereo_matching);
  auto cam = stereo::FrameSource::open_camera(config.camera.index, config.camera.width, config.camera.height,
                                              config.camera.fps, a.raw_yuyv);
  std::printf("camera %d via %s: %dx%d\n", config.camera.index, cam.backend().c_str(), cam.width(), cam.height());
  for (const auto& c : a.controls) {
    const auto eq = c.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("[stereo.live] --control expects name=value, got '" + c + "'");
    const std::string text = c.substr(eq + 1);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
      throw std::invalid_argument("[stereo.live] --control value must be a finite number, got '" + c + "'");
    const bool ok = cam.set_control(c.substr(0, eq), value);
    std::printf("control %s: %s\n", c.c_str(), ok ? "set" : "refused by the backend");
  }
  if (a.list_controls) {
    std::printf("controls reported by the %s backend (unsupported = backend returned no value):\n", cam.backend().c_str());
    for (const auto& c : cam.controls())
      std::printf("  %-20s %s\n", c.name.c_str(), c.supported ? std::to_string(c.value).c_str() : "unsupported");
    if (a.frames == 0 && a.no_window) return;
  }
  std::unique_ptr<stereo::PreviewWindow> window;
  if (!a.no_window) window = std::make_unique<stereo::PreviewWindow>("robomlx stereo live");
  std::optional<stereo::PipelineSetup> setup;
  mx::array frame = mx::array(0);
  for (int n = 0; a.frames == 0 || n < a.frames; ++n) {
    if (!cam.read(frame)) throw std::runtime_error("[stereo.live] the camera stopped delivering frames");
    if (n == 0 && a.raw_yuyv)
      std::printf("YUYV conversion: %s\n", cam.raw_yuyv_active() ? "on the compute device" : "by the backend (raw refused)");
    const stereo::StereoPair eyes = stereo::split_side_by_side(frame);
    if (!setup) setup = stereo::prepare_pipeline(config, eyes.left.shape(1), eyes.left.shape(0));
    const stereo::PairResult r = stereo::process_pair(*setup, config, eyes.left, eyes.right);
    if (!out_dir.empty()) {
      char suffix[16];
      std::snprintf(suffix, sizeof suffix, "_%05d", n);
      stereo::write_pair_outputs(out_dir, r, *setup, config, suffix);
    }
    if (window) {
      const mx::array colour = stereo::colorize_disparity(r.disparity, float(config.sgm.min_disparity),
                                                          float(config.sgm.min_disparity + config.sgm.num_disparities));
      const int key = window->show(r.left, colour, "matcher " + std::to_string(int(r.seconds * 1e3)) + " ms  q: quit");
      if (key == 'q' || key == 27) break;
    }
  }
  stage.commit();
  if (!a.out.empty()) std::printf("wrote the session to %s\n", a.out.c_str());
}

}  // namespace

void add_stereo_live(CLI::App* stereo, GlobalOptions& global) {
  auto args = std::make_shared<LiveArgs>();
  auto* cmd = stereo->add_subcommand("live", "Live depth from a side-by-side UVC camera (ZED) via OpenCV videoio");
  cmd->add_option("--camera", args->camera, "Camera index (default: config camera.index)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--frames", args->frames, "Stop after N frames (0 = until q)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-window", args->no_window, "No preview window");
  cmd->add_option("--out", args->out, "Also write each frame's outputs into this folder");
  cmd->add_flag("--raw-yuyv", args->raw_yuyv, "Ask for raw YUYV frames and convert them on the compute device");
  cmd->add_flag("--list-controls", args->list_controls, "Print the camera controls the capture backend reports");
  cmd->add_option("--control", args->controls, "Set a camera control name=value (only what the backend supports)");
  add_stereo_config_flags(cmd, args->config);
  cmd->callback([&global, args] { run_live(global, *args); });
}

}  // namespace robomlx::cli
