// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo depth`: a pair (--left/--right), a side-by-side image (--sbs) or a side-by-side
// video (--video) -> disparity, depth and point cloud files in --out, and/or the left disparity
// alone in --disparity-out (KITTI 16-bit PNG, or PFM for *.pfm).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <mlx/mlx.h>

#include "cmd_stereo.h"
#include "robomlx/core/device.h"
#include "robomlx/core/error.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/depth_pipeline.h"
#include "robomlx/stereo/rectify.h"
#include "robomlx/stereo/video.h"

namespace robomlx::cli {

namespace {

namespace mx = mlx::core;

struct DepthArgs {
  StereoConfigArgs config;
  std::string left, right, sbs, video, out, disparity_out;
  int frames = 0;
};

mx::array load_8bit(const std::string& path) {
  Image im = stereo::read_image(path);
  if (im.dtype != mx::uint8) throw std::invalid_argument("[stereo.depth] " + path + " must be an 8-bit image");
  return im.to_array();
}

void report(const stereo::PairResult& r, const std::string& what) {
  mx::array valid = mx::mean(mx::astype(r.disparity >= 0.0f, mx::float32));
  mx::eval(valid);
  std::printf("%s: %dx%d, %.1f%% valid disparities, matcher %.1f ms\n", what.c_str(), r.disparity.shape(1),
              r.disparity.shape(0), 100.0 * valid.item<float>(), r.seconds * 1e3);
}

// The final path of a file written into the staging folder `staged` of output folder `out`.
std::vector<std::string> final_paths(const std::vector<std::string>& staged, const std::string& out) {
  std::vector<std::string> paths;
  for (const auto& p : staged) paths.push_back((std::filesystem::path(out) / std::filesystem::path(p).filename()).string());
  return paths;
}

void run_depth(const GlobalOptions& global, const DepthArgs& a) {
  const int sources = int(!a.left.empty() || !a.right.empty()) + int(!a.sbs.empty()) + int(!a.video.empty());
  if (sources != 1) throw std::invalid_argument("[stereo.depth] give exactly one input: --left/--right, --sbs or --video");
  if ((!a.left.empty()) != (!a.right.empty()))
    throw std::invalid_argument("[stereo.depth] --left and --right must be given together");
  if (a.out.empty() && a.disparity_out.empty())
    throw std::invalid_argument("[stereo.depth] nothing to write: give --out DIR and/or --disparity-out FILE");
  if (!a.video.empty() && !a.disparity_out.empty())
    throw std::invalid_argument("[stereo.depth] --disparity-out takes one pair; use --out DIR for --video");
  const stereo::StereoConfig config = resolve_stereo_config(a.config);
  // Every output is declared (and its path checked) before any work; all appear together at the end.
  OutputStage stage;
  const std::string out_dir = a.out.empty() ? "" : stage.folder(a.out, "--out");
  const std::string disparity_file = a.disparity_out.empty() ? "" : stage.file(a.disparity_out, "--disparity-out");
  apply_device(global, Workload::stereo_matching);

  if (!a.video.empty()) {
    auto source = stereo::FrameSource::open_file(a.video);
    Image frame;
    std::optional<stereo::PipelineSetup> setup;
    int n = 0;
    std::size_t files = 0;
    while ((a.frames == 0 || n < a.frames) && source.read(frame)) {
      const stereo::StereoPair eyes = stereo::split_side_by_side(frame.to_array());
      if (!setup) setup = stereo::prepare_pipeline(config, eyes.left.shape(1), eyes.left.shape(0));
      const stereo::PairResult r = stereo::process_pair(*setup, config, eyes.left, eyes.right);
      char suffix[16];
      std::snprintf(suffix, sizeof suffix, "_%05d", n);
      report(r, a.video + " frame " + std::to_string(n));
      files += stereo::write_pair_outputs(out_dir, r, *setup, config, suffix).size();
      ++n;
    }
    if (n == 0) throw FormatError(a.video, "no frame could be decoded");
    stage.commit();
    std::printf("  wrote %zu files (%d frames) in %s\n", files, n, a.out.c_str());
    return;
  }

  stereo::StereoPair pair;
  if (!a.sbs.empty()) {
    pair = stereo::split_side_by_side(load_8bit(a.sbs));
  } else {
    pair = {load_8bit(a.left), load_8bit(a.right)};
  }
  const stereo::PipelineSetup setup = stereo::prepare_pipeline(config, pair.left.shape(1), pair.left.shape(0));
  const stereo::PairResult r = stereo::process_pair(setup, config, pair.left, pair.right);
  report(r, a.sbs.empty() ? a.left : a.sbs);
  std::vector<std::string> written;
  if (!out_dir.empty()) written = final_paths(stereo::write_pair_outputs(out_dir, r, setup, config), a.out);
  if (!disparity_file.empty()) {
    stereo::write_disparity(disparity_file, r.disparity);
    written.push_back(a.disparity_out);
  }
  stage.commit();
  for (const auto& p : written) std::printf("  wrote %s\n", p.c_str());
  if (!setup.geometry)
    std::printf("  (no depth or point cloud: give --calib, or --focal and --baseline-mm)\n");
}

}  // namespace

void add_stereo_depth(CLI::App* stereo, GlobalOptions& global) {
  auto args = std::make_shared<DepthArgs>();
  auto* cmd = stereo->add_subcommand("depth", "Disparity, depth (PNG16 mm) and point cloud (PLY) of a stereo pair");
  cmd->add_option("--left", args->left, "Left image (PNG, JPEG, ...)");
  cmd->add_option("--right", args->right, "Right image, same size as the left");
  cmd->add_option("--sbs", args->sbs, "Side-by-side image [H, 2W] (left eye first, ZED layout)");
  cmd->add_option("--video", args->video, "Side-by-side video file (decoded with OpenCV)");
  cmd->add_option("--frames", args->frames, "With --video: stop after N frames (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args->out,
                  "Output folder for disparity/depth/cloud files (appears when the run succeeds; a reused folder "
                  "has robomlx's previous outputs replaced, other files kept)");
  cmd->add_option("--disparity-out", args->disparity_out,
                  "Write the left disparity here: 16-bit PNG, value = d*256, 0 = invalid (KITTI); PFM if *.pfm");
  add_stereo_config_flags(cmd, args->config);
  cmd->callback([&global, args] { run_depth(global, *args); });
}

}  // namespace robomlx::cli
