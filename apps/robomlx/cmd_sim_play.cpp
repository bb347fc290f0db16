// SPDX-License-Identifier: Apache-2.0
// `robomlx sim play --task T [--checkpoint DIR] --out run.gif|sheet.png [--steps S] [--seed S]
//  [--sim-backend mlx|mujoco]`: rolls one env out with the checkpoint's deterministic policy (zero
// actions without one) and draws it in 2D (sim_render.h; ant and humanoid as a side projection of
// their MuJoCo capsules): an animated GIF, one frame per env step,
// or a PNG contact sheet of 10 frames spread over the run.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/io/png.h"
#include "robomlx/sim/gif_writer.h"
#include "robomlx/sim/ppo_trainer.h"
#include "robomlx/sim/sim_render.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::cli {

namespace {

struct PlayArgs {
  std::string task, checkpoint, out;
  sim::EnvOptions env{1};
  long steps = 300;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void run_sim_play(const GlobalOptions& global, const PlayArgs& a) {
  if (a.steps < 1 || a.steps > 100000)
    throw std::invalid_argument("[sim.play] --steps must be in [1, 100000], got " + std::to_string(a.steps));
  const bool gif = ends_with(a.out, ".gif");
  if (!gif && !ends_with(a.out, ".png")) throw std::invalid_argument("[sim.play] --out must end in .gif or .png: " + a.out);
  sim::find_task(a.task);
  OutputStage stage;
  const std::string tmp = stage.file(a.out, "--out");
  apply_device(global);
  auto env = sim::make_env(a.task, a.env);
  const auto& spec = env->spec();
  // A task without a drawing fails before the rollout.
  sim::render_frame(spec, std::vector<float>(spec.state_dim, 0.0f).data(), env->capsules(0));
  std::unique_ptr<sim::PpoTrainer> policy;
  if (!a.checkpoint.empty()) policy = sim::load_policy(*env, a.checkpoint);
  env->reset();
  std::vector<Image> frames;
  double ret = 0, ended = 0;
  long episodes = 0;
  auto draw = [&] {
    auto s = mx::astype(env->state(), mx::float32);
    mx::eval(s);
    frames.push_back(sim::render_frame(spec, s.data<float>(), env->capsules(0)));
  };
  draw();
  for (long t = 0; t < a.steps; ++t) {
    auto act = policy ? policy->act(env->observations()) : mx::zeros({1, spec.action_dim}, mx::float32);
    auto r = env->step(act);
    ret += mx::astype(r.reward, mx::float32).item<float>();
    if (mx::logical_or(r.terminated, r.truncated).item<bool>()) ended += ret, ret = 0, ++episodes;
    draw();
  }
  if (gif) {
    sim::write_gif(tmp, frames, std::max(2, int(std::lround(100 * spec.step_dt()))));
  } else {
    std::vector<Image> picked;
    for (int i = 0; i < 10; ++i) picked.push_back(frames[std::size_t(i) * (frames.size() - 1) / 9]);
    write_png(tmp, sim::contact_sheet(picked, 5));
  }
  stage.commit();
  std::cout << spec.id << ": " << a.steps << " steps (" << (policy ? "checkpoint policy" : "zero actions") << "), "
            << episodes << " episodes ended" << std::fixed << std::setprecision(1);
  if (episodes) std::cout << " (mean return " << ended / double(episodes) << ")";
  std::cout << ", running return " << ret << " -> " << a.out << "\n";
}

void add_sim_play(CLI::App& app, GlobalOptions& global) {
  auto* sim = ensure_subcommand(app, "sim", "Isaac Lab direct tasks on MLX: list, run, train");
  auto a = std::make_shared<PlayArgs>();
  auto* cmd = sim->add_subcommand("play", "Roll one env out with a checkpoint's policy and draw it (GIF or PNG sheet)");
  cmd->add_option("--task", a->task, "Task name or Isaac Lab id (robomlx sim list)")->required();
  cmd->add_option("--checkpoint", a->checkpoint, "A sim train --out folder (default: zero actions)");
  cmd->add_option("--out", a->out, "run.gif (animation) or sheet.png (10 frames)")->required();
  cmd->add_option("--steps", a->steps, "Env steps to play (default 300)");
  cmd->add_option("--sim-backend", a->env.backend, "mlx (default) or mujoco");
  cmd->add_option("--seed", a->env.seed, "Seed of the initial state (default 42)");
  cmd->callback([&global, a] { run_sim_play(global, *a); });
}

}  // namespace

ROBOMLX_COMMAND(sim_play, add_sim_play);

}  // namespace robomlx::cli
