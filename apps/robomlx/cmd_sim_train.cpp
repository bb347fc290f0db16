// SPDX-License-Identifier: Apache-2.0
// `robomlx sim train --task T --out DIR [--num-envs N] [--steps S] [--resume DIR] [--horizon H]
//  [--epochs E] [--minibatches M] [--lr X] [--lr-schedule adaptive|linear|constant] [--seed S]
//  [--hidden 256,128,64] [--reward-scale X] [--eval-envs N] [--no-progress]`: PPO on MLX. --out gets policy.safetensors + policy.json (a checkpoint
// --resume and `sim play` read), metrics.json (per-iteration returns, the final deterministic
// evaluation) and reward_curve.png; it appears only when the run succeeds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/progress.h"
#include "robomlx/sim/ppo_trainer.h"
#include "robomlx/sim/reward_plot.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::cli {

namespace {

struct TrainArgs {
  std::string task, out, resume;
  sim::EnvOptions env;
  sim::PpoConfig ppo;
  long steps = 200000;
  int eval_envs = 0;  // not given: min(num_envs, kDefaultEvalEnvs)
  bool no_progress = false;
};

// The final evaluation runs one whole episode on each of its envs: 256 episodes measure the policy
// well, and the 4,096 envs of a training run would cost as much as ~60 training iterations.
constexpr int kDefaultEvalEnvs = 256;

void run_sim_train(const GlobalOptions& global, TrainArgs& a) {
  if (a.steps < 1) throw std::invalid_argument("[sim.train] --steps must be >= 1, got " + std::to_string(a.steps));
  sim::find_task(a.task);  // unknown tasks fail before the output folder is declared
  OutputStage stage;
  const std::string dir = stage.folder(a.out, "--out");
  const mx::Device device = apply_device(global, Workload::training);
  a.ppo.seed = a.env.seed;
  auto env = sim::make_env(a.task, a.env);
  const long per_iter = long(a.env.num_envs) * a.ppo.horizon;
  a.ppo.total_iterations = (a.steps + per_iter - 1) / per_iter;
  sim::PpoTrainer trainer(*env, a.ppo);
  if (!a.resume.empty()) trainer.load(a.resume);
  const long first = trainer.iteration(), last = first + a.ppo.total_iterations;
  // MLX compiles the fused GPU kernels of the rollout and update steps on their first use and
  // keeps them in its on-disk cache: on a fresh machine the first iteration takes minutes.
  if (device.type == mx::Device::gpu)
    std::cerr << "[sim.train] the first iteration compiles the GPU kernels for this task and network "
                 "(minutes on a fresh machine; cached for later runs)\n";
  const auto t0 = std::chrono::steady_clock::now();
  {
    Progress progress("sim train " + env->spec().name, last - first, "iterations", std::cerr, -1,
                      a.no_progress ? std::numeric_limits<long>::max() : 1);
    double shown = std::nan("");
    while (trainer.iteration() < last) {
      const auto s = trainer.iterate();
      if (std::isfinite(s.mean_episode_return)) shown = s.mean_episode_return;
      std::ostringstream detail;
      detail << std::fixed << std::setprecision(1) << "return " << shown << ", " << std::setprecision(0)
             << s.steps_per_second << " env-steps/s";
      progress.update(trainer.iteration() - first, detail.str());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sim::EnvOptions eval_options = a.env;
  eval_options.seed = a.env.seed + 1000;  // fresh initial states, not the training ones
  eval_options.num_envs = a.eval_envs > 0 ? a.eval_envs : std::min(a.env.num_envs, kDefaultEvalEnvs);
  auto eval_env = sim::make_env(a.task, eval_options);
  const double eval = trainer.evaluate(*eval_env);
  const double max_return = env->spec().max_return;
  trainer.save(dir);
  nlohmann::json iters = nlohmann::json::array();
  std::vector<double> xs, ys;
  for (const auto& h : trainer.history()) {
    xs.push_back(double(h.iteration));
    ys.push_back(h.mean_episode_return);
    iters.push_back({{"iteration", h.iteration}, {"env_steps", h.env_steps},
                     {"mean_episode_return", std::isfinite(h.mean_episode_return) ? nlohmann::json(h.mean_episode_return) : nlohmann::json()},
                     {"policy_loss", h.policy_loss}, {"value_loss", h.value_loss}, {"kl", h.kl},
                     {"learning_rate", h.learning_rate}, {"env_steps_per_second", h.steps_per_second}});
  }
  const long trained_steps = (trainer.iteration() - first) * per_iter;
  nlohmann::json metrics = {{"task", env->spec().id}, {"backend", env->backend_name()}, {"device", describe_device(device)},
                            {"num_envs", a.env.num_envs}, {"env_steps", trainer.env_steps()}, {"train_seconds", secs},
                            {"env_steps_per_second", trained_steps / secs}, {"eval_mean_return", eval}, {"eval_envs", eval_options.num_envs},
                            {"max_return", max_return > 0 ? nlohmann::json(max_return) : nlohmann::json()},
                            {"eval_fraction_of_max", max_return > 0 ? nlohmann::json(eval / max_return) : nlohmann::json()}, {"iterations", iters}};
  write_file_atomically((std::filesystem::path(dir) / "metrics.json").string(), metrics.dump(2) + "\n");
  sim::write_reward_curve((std::filesystem::path(dir) / "reward_curve.png").string(), xs, ys);
  stage.commit();
  std::cout << "trained " << env->spec().id << " for " << trained_steps << " env steps (" << a.env.num_envs << " envs) on "
            << describe_device(device) << " in " << std::fixed << std::setprecision(1) << secs << " s ("
            << std::setprecision(0) << trained_steps / secs << " env-steps/s); eval return " << std::setprecision(1)
            << eval;
  if (max_return > 0) std::cout << " of " << max_return << " (" << 100 * eval / max_return << " %)";
  std::cout << " -> " << a.out << "\n";
}

void add_sim_train(CLI::App& app, GlobalOptions& global) {
  auto* sim = ensure_subcommand(app, "sim", "Isaac Lab direct tasks on MLX: list, run, train");
  auto a = std::make_shared<TrainArgs>();
  a->env.num_envs = 256;
  auto* cmd = sim->add_subcommand("train", "Train a policy with PPO on MLX; write checkpoint, metrics and reward curve");
  cmd->add_option("--task", a->task, "Task name or Isaac Lab id (robomlx sim list)")->required();
  cmd->add_option("--out", a->out, "Output folder (policy.safetensors, policy.json, metrics.json, reward_curve.png)")
      ->required();
  cmd->add_option("--num-envs", a->env.num_envs, "Envs stepped together (default 256)");
  cmd->add_option("--steps", a->steps, "Env steps to train for, over all envs (default 200000)");
  cmd->add_option("--sim-backend", a->env.backend, "mlx (default) or mujoco");
  cmd->add_option("--mjcf", a->env.mjcf, "mujoco: a model file replacing the task's own (same joints and actuators)");
  cmd->add_option("--resume", a->resume, "Checkpoint folder (an earlier --out) to continue from");
  cmd->add_option("--horizon", a->ppo.horizon, "Rollout steps per env per iteration (default 16)");
  cmd->add_option("--epochs", a->ppo.epochs, "Passes over each rollout (default 8)");
  cmd->add_option("--minibatches", a->ppo.minibatches, "Minibatches per pass (default 4)");
  cmd->add_option("--lr", a->ppo.learning_rate, "Initial learning rate (default 3e-4)");
  cmd->add_option("--lr-schedule", a->ppo.lr_schedule, "adaptive (KL target 0.008, default), linear or constant");
  cmd->add_option("--entropy", a->ppo.entropy_coef, "Entropy bonus coefficient (default 0)");
  cmd->add_option("--eval-envs", a->eval_envs,
                  "Envs (one episode each) of the final deterministic evaluation (default: --num-envs, at most 256)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--seed", a->env.seed, "Seed of envs and policy (default 42)");
  // Isaac Lab's rl_games configs size the network per task (cartpole 32,32; ant 256,128,64) and
  // scale rewards per task (scale_value): the defaults are cartpole's.
  cmd->add_option("--hidden", a->ppo.hidden, "Hidden layer widths of actor and critic, comma-separated (default 32,32)")
      ->delimiter(',')
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--reward-scale", a->ppo.reward_scale, "Factor on rewards before GAE (default 0.1)");
  cmd->add_flag("--no-progress", a->no_progress, "No progress bar");
  cmd->callback([&global, a] { run_sim_train(global, *a); });
}

}  // namespace

ROBOMLX_COMMAND(sim_train, add_sim_train);

}  // namespace robomlx::cli
