// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo eval <scene-dir>...`: SGM on Middlebury-layout scenes (imL.png, imR.png,
// groundtruth.png, info.txt with scale and max disparity, nonocc.png, all.png), bad-1.0 and
// bad-2.0 over the nonocc and all masks under two stated rules for invalid pixels.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <mlx/mlx.h>
#include <nlohmann/json.hpp>

#include "cmd_stereo.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/io/png.h"
#include "robomlx/stereo/depth_pipeline.h"
#include "robomlx/stereo/metrics.h"
#include "robomlx/stereo/video.h"

namespace robomlx::cli {

namespace {

namespace mx = mlx::core;
namespace fs = std::filesystem;

struct EvalArgs {
  StereoConfigArgs config;
  std::vector<std::string> scenes;
  std::string json;
};

struct SceneScores {
  std::string name;
  int width = 0, height = 0, num_disparities = 0;
  stereo::StereoScores nonocc, all;
  double ms = 0;
};

mx::array read_grey(const std::string& path) {
  Image im = read_png(path);
  if (im.dtype != mx::uint8) throw FormatError(path, "expected an 8-bit PNG");
  return stereo::rgb_to_grey(im.to_array());
}

SceneScores eval_scene(const std::string& dir, stereo::StereoConfig config, bool range_from_flags) {
  const fs::path d(dir);
  if (!fs::exists(d / "info.txt"))
    throw FormatError(dir, "is not a scene folder: it has no info.txt (a scene holds imL.png, imR.png, "
                           "groundtruth.png, info.txt, nonocc.png, all.png)");
  const stereo::SceneInfo info = stereo::read_scene_info((d / "info.txt").string());
  const double scale = info.scale;
  // The scene's own range (disparities lie in [0, max - 1]) unless flags or --set chose one.
  if (!range_from_flags) {
    config.sgm.min_disparity = 0;
    config.sgm.num_disparities = info.max_disparity;
  }
  const mx::array left = read_grey((d / "imL.png").string()), right = read_grey((d / "imR.png").string());
  const mx::array gt = mx::astype(read_grey((d / "groundtruth.png").string()), mx::float32) / float(scale);
  const mx::array nonocc = read_grey((d / "nonocc.png").string()), all = read_grey((d / "all.png").string());
  for (const auto& [name, im] : {std::pair<const char*, const mx::array*>{"imR.png", &right}, {"groundtruth.png", &gt},
                                 {"nonocc.png", &nonocc}, {"all.png", &all}}) {
    if (im->shape(0) != left.shape(0) || im->shape(1) != left.shape(1))
      throw FormatError((d / name).string(), "is " + std::to_string(im->shape(1)) + "x" + std::to_string(im->shape(0)) +
                                                 " but imL.png is " + std::to_string(left.shape(1)) + "x" +
                                                 std::to_string(left.shape(0)) + " (a scene's images must match)");
  }
  const stereo::PipelineSetup setup = stereo::prepare_pipeline(config, left.shape(1), left.shape(0));
  // First run warms up (kernel compilation, allocations); the timed run is the second.
  stereo::process_pair(setup, config, left, right);
  const stereo::PairResult r = stereo::process_pair(setup, config, left, right);
  SceneScores s;
  s.name = d.filename().empty() ? d.parent_path().filename().string() : d.filename().string();
  s.width = left.shape(1);
  s.height = left.shape(0);
  s.num_disparities = config.sgm.num_disparities;
  s.nonocc = stereo::evaluate_disparity(r.disparity, gt, nonocc);
  s.all = stereo::evaluate_disparity(r.disparity, gt, all);
  s.ms = r.seconds * 1e3;
  return s;
}

void print_table(const std::vector<SceneScores>& rows, bool filled) {
  std::printf("%-10s %9s %5s | %8s %8s | %8s %8s | %7s %9s\n", "scene", "size", "ndisp", "nonocc>1", "nonocc>2",
              "all>1", "all>2", "density", "time ms");
  SceneScores avg;
  for (const auto& r : rows) {
    const double n1 = filled ? r.nonocc.bad1_filled : r.nonocc.bad1, n2 = filled ? r.nonocc.bad2_filled : r.nonocc.bad2;
    const double a1 = filled ? r.all.bad1_filled : r.all.bad1, a2 = filled ? r.all.bad2_filled : r.all.bad2;
    std::printf("%-10s %4dx%-4d %5d | %8.2f %8.2f | %8.2f %8.2f | %6.1f%% %9.1f\n", r.name.c_str(), r.width, r.height,
                r.num_disparities, n1, n2, a1, a2, r.nonocc.density, r.ms);
    avg.nonocc.bad1 += n1 / rows.size();
    avg.nonocc.bad2 += n2 / rows.size();
    avg.all.bad1 += a1 / rows.size();
    avg.all.bad2 += a2 / rows.size();
    avg.nonocc.density += r.nonocc.density / rows.size();
    avg.ms += r.ms / rows.size();
  }
  std::printf("%-10s %9s %5s | %8.2f %8.2f | %8.2f %8.2f | %6.1f%% %9.1f\n", "average", "", "", avg.nonocc.bad1,
              avg.nonocc.bad2, avg.all.bad1, avg.all.bad2, avg.nonocc.density, avg.ms);
}

nlohmann::json to_json(const stereo::StereoScores& s) {
  return {{"bad1", s.bad1},         {"bad2", s.bad2},         {"bad1_filled", s.bad1_filled},
          {"bad2_filled", s.bad2_filled}, {"density", s.density}, {"avg_error", s.avg_error},
          {"evaluated", s.evaluated}};
}

// A scene folder stays as it is; a folder without imL.png whose subfolders hold scenes (the
// dataset root) becomes those subfolders, in name order.
std::vector<std::string> expand_scenes(const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& dir : dirs) {
    std::vector<std::string> inner;
    if (!fs::exists(fs::path(dir) / "imL.png")) {
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_directory() && fs::exists(e.path() / "imL.png")) inner.push_back(e.path().string());
    }
    std::sort(inner.begin(), inner.end());
    if (inner.empty()) out.push_back(dir);
    out.insert(out.end(), inner.begin(), inner.end());
  }
  return out;
}

void run_eval(const GlobalOptions& global, const EvalArgs& a) {
  const stereo::StereoConfig config = resolve_stereo_config(a.config);
  OutputStage stage;
  const std::string json_file = a.json.empty() ? "" : stage.file(a.json, "--json");
  bool range_from_flags =
      StereoConfigArgs::given(a.config.max_option) || StereoConfigArgs::given(a.config.min_option);
  for (const auto& s : a.config.sets) range_from_flags |= s.rfind("sgm.num_disparities", 0) == 0 || s.rfind("sgm.min_disparity", 0) == 0;
  apply_device(global, Workload::stereo_matching);
  std::vector<SceneScores> rows;
  for (const auto& dir : expand_scenes(a.scenes)) rows.push_back(eval_scene(dir, config, range_from_flags));
  std::printf("SGM: cost %s, paths %d, P1 %g, P2 %g, subpixel %s, LR %d, uniqueness %g, median %d, pyramid %d\n",
              config.sgm.cost.c_str(), config.sgm.paths, double(config.sgm.p1), double(config.sgm.p2),
              config.sgm.subpixel ? "on" : "off", config.sgm.lr_max_diff, double(config.sgm.uniqueness_ratio),
              config.sgm.median_size, config.sgm.pyramid_factor);
  std::printf("bad-X = %% of mask pixels (ground truth known) with |d - gt| > X px; density = %% valid on nonocc; "
              "time = matcher only, second run\n\n");
  std::printf("Rule A: invalid pixels count as errors\n");
  print_table(rows, false);
  std::printf("\nRule B: filled (each invalid pixel takes the nearest valid disparity on its row, background side)\n");
  print_table(rows, true);
  if (!a.json.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rows)
      j.push_back({{"scene", r.name}, {"width", r.width}, {"height", r.height}, {"num_disparities", r.num_disparities},
                   {"time_ms", r.ms}, {"nonocc", to_json(r.nonocc)}, {"all", to_json(r.all)}});
    write_file_atomically(json_file, j.dump(2) + "\n");
    stage.commit();
    std::printf("wrote %s\n", a.json.c_str());
  }
}

}  // namespace

void add_stereo_eval(CLI::App* stereo, GlobalOptions& global) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = stereo->add_subcommand("eval", "Middlebury-style accuracy (bad-1.0/2.0, density, time) of scene folders");
  cmd->footer("Each scene searches its own range [0, max) from info.txt unless --min-disparity, --max-disparity or "
              "--set sgm.*_disparit* is given. Both rules for invalid pixels are printed.");
  cmd->add_option("scenes", args->scenes,
                  "Scene folders (imL.png, imR.png, groundtruth.png, info.txt, nonocc.png, all.png), or a folder of them")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--json", args->json, "Also write the scores as JSON");
  add_stereo_config_flags(cmd, args->config);
  cmd->callback([&global, args] { run_eval(global, *args); });
}

}  // namespace robomlx::cli
