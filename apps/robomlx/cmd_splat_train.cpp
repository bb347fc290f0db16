// SPDX-License-Identifier: Apache-2.0
// `robomlx splat train --data DIR --out DIR [--iterations N] [--resolution R] [--test-every N]
//  [--eval-every N] [--checkpoint-every N] [--checkpoint-dir DIR] [--resume DIR] [--sh-degree D]
//  [--max-gaussians N] [--white-background] [--random-background] [--seed S] [--views-per-step B]
//  [--densify-from N] [--densify-every N] [--densify-until N] [--no-progress]`:
// trains 3D Gaussians on a capture (splat/splat_train_run.h says what lands in --out).
// Under `robomlx launch --ranks R` it trains data parallel (splat_train.h); a new run then takes
// B = R views per step unless --views-per-step is given (a resumed one keeps its checkpoint's B).
#include <algorithm>
#include <array>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

#include "command.h"
#include "splat_args.h"
#include "robomlx/core/check.h"
#include "robomlx/core/device.h"
#include "robomlx/core/distributed.h"
#include "robomlx/splat/splat_train_run.h"

namespace robomlx::cli {

namespace {

struct TrainArgs {
  splat::TrainRequest request;
  bool no_progress = false;
  bool white_background = false;
  std::string background;  // "r,g,b"
  // (CLI option, TrainOptions key): what the user set replaces a resumed checkpoint's value.
  std::vector<std::pair<CLI::Option*, std::string>> tracked;
};

void run_splat_train(const GlobalOptions& global, TrainArgs& a) {
  auto& r = a.request;
  for (const auto& [option, key] : a.tracked)
    if (option->count() > 0) r.options_given.push_back(key);
  if (a.white_background && !a.background.empty())
    fail_argument("splat.train", "give --white-background or --background r,g,b, not both");
  if (a.white_background || !a.background.empty()) {
    const auto bg = a.white_background ? std::array<double, 3>{1, 1, 1} : parse_triple("splat.train", a.background, "--background");
    for (double v : bg)
      if (v < 0 || v > 1) fail_argument("splat.train", "--background must be 3 numbers in [0, 1], got '" + a.background + "'");
    r.options.background = {float(bg[0]), float(bg[1]), float(bg[2])};
    r.options_given.push_back("background");
  }
  r.progress = !a.no_progress;
  const mx::Device device = apply_device(global, Workload::training);
  r.group = DistGroup::world();
  const bool given_b = std::find(r.options_given.begin(), r.options_given.end(), "views_per_step") != r.options_given.end();
  if (r.group.size() > 1 && r.resume_dir.empty() && !given_b) r.options.views_per_step = r.group.size();
  r.device = describe_device(device);
  const auto summary = splat::run_splat_training(r, std::cerr);
  if (!r.group.root()) return;  // rank 0 reports
  const auto& last = summary["final"];
  std::cout << "trained " << summary["steps"].get<long>() << " steps on " << r.device << " in "
            << summary["train_seconds"].get<double>() << " s (" << summary["steps_per_second"].get<double>()
            << " steps/s): " << last["gaussians"].get<int>() << " Gaussians, " << last["set"].get<std::string>()
            << " PSNR " << last["psnr"].get<double>() << " dB, SSIM " << last["ssim"].get<double>() << " -> "
            << r.out_dir << "\n";
}

void add_splat_train(CLI::App& app, GlobalOptions& global) {
  auto a = std::make_shared<TrainArgs>();
  auto& o = a->request.options;
  auto* splat = ensure_subcommand(app, "splat", "3D Gaussian splatting: render, train, parity");
  auto* cmd = splat->add_subcommand("train", "Train 3D Gaussians on a posed capture (COLMAP or transforms.json)");
  cmd->add_option("--data", a->request.data_dir, "Capture folder (COLMAP sparse/0 + images/, or transforms.json)")
      ->required();
  cmd->add_option("--out", a->request.out_dir,
                  "Output folder: point_cloud.ply, metrics.csv/json and the final checkpoint (appears when the run "
                  "succeeds; nothing is left on error)")
      ->required();
  auto track = [&](CLI::Option* opt, const char* key) { a->tracked.emplace_back(opt, key); };
  track(cmd->add_option("--iterations", o.iterations, "Training steps in total (default 30000)")->check(CLI::Range(1, 1000000000)),
        "iterations");
  track(cmd->add_option("--resolution,-r", o.resolution,
                        "Image size: 1, 2, 4, 8 divide it; -1 (default) limits the width to 1600 px; else a width"),
        "resolution");
  track(cmd->add_option("--test-every", o.test_every, "Hold out every Nth camera for evaluation (default 8; 0 = none)")
            ->check(CLI::Range(0, 1000000000)),
        "test_every");
  track(cmd->add_option("--eval-every", o.eval_every, "Evaluate every N steps (default 1000; 0 = at the end only)")
            ->check(CLI::Range(0, 1000000000)),
        "eval_every");
  track(cmd->add_option("--checkpoint-every", o.checkpoint_every,
                        "Write a checkpoint every N steps to --checkpoint-dir (default 0 = none)")
            ->check(CLI::Range(0, 1000000000)),
        "checkpoint_every");
  cmd->add_option("--checkpoint-dir", a->request.checkpoint_dir, "Periodic checkpoints' folder (default <out>.checkpoints)");
  cmd->add_option("--resume", a->request.resume_dir,
                  "Continue from a checkpoint folder (a previous --out or a periodic checkpoint); its options apply "
                  "unless given here");
  track(cmd->add_option("--sh-degree", o.sh_degree, "Spherical-harmonics degree (default 3)")->check(CLI::Range(0, 3)),
        "sh_degree");
  track(cmd->add_option("--max-gaussians", o.densify.max_gaussians, "Cap on the Gaussian count (default 0 = none)")
            ->check(CLI::Range(0, 2000000000)),
        "max_gaussians");
  track(cmd->add_flag("--random-background", o.random_background, "Random background colour per step"),
        "random_background");
  cmd->add_flag("--white-background", a->white_background, "White background (NeRF-synthetic); default black");
  cmd->add_option("--background", a->background, "Background colour r,g,b in [0, 1] (a capture shot against a known backdrop)");
  track(cmd->add_option("--seed", o.seed, "Seed of everything random (default 0)"), "seed");
  track(cmd->add_option("--views-per-step", o.views_per_step,
                        "Views per step, gradients averaged (default 1; under robomlx launch: the number of ranks)")
            ->check(CLI::Range(1, 1000000)),
        "views_per_step");
  track(cmd->add_option("--densify-from", o.densify_from, "First densification step (default 500)")->check(CLI::Range(0, 1000000000)),
        "densify_from");
  track(cmd->add_option("--densify-every", o.densify_every, "Steps between densifications (default 100)")
            ->check(CLI::Range(1, 1000000000)),
        "densify_every");
  track(cmd->add_option("--densify-until", o.densify_until, "No densification from this step on (default 15000)")
            ->check(CLI::Range(0, 1000000000)),
        "densify_until");
  cmd->add_flag("--no-progress", a->no_progress, "No progress on stderr");
  cmd->callback([&global, a] { run_splat_train(global, *a); });
}

}  // namespace

ROBOMLX_COMMAND(splat_train, add_splat_train);

}  // namespace robomlx::cli
