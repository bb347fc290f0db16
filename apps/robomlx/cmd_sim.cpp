// SPDX-License-Identifier: Apache-2.0
// `robomlx sim list` (the tasks and the backends that run them) and `robomlx sim run --task T
// [--num-envs N] [--steps S] [--sim-backend mlx|mujoco] [--seed S] [--actions zero|random]
// [--checkpoint DIR]`: steps a batch of envs with a fixed action source (or a trained policy) and
// prints episode statistics (for ant and humanoid also the mean forward velocity) and env-steps/s.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/sim/locomotion_tasks.h"
#include "robomlx/sim/ppo_trainer.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::cli {

namespace {

void run_sim_list() {
  std::cout << std::left << std::setw(22) << "task" << std::setw(40) << "id" << std::setw(5) << "obs" << std::setw(5)
            << "act" << std::setw(8) << "steps" << std::setw(14) << "backends" << "summary\n";
  for (const auto& t : sim::task_table()) {
    std::string backends;
    for (const auto& b : t.backends) backends += (backends.empty() ? "" : ",") + b;
    std::cout << std::setw(22) << t.spec.name << std::setw(40) << t.spec.id << std::setw(5) << t.spec.obs_dim
              << std::setw(5) << t.spec.action_dim << std::setw(8) << t.spec.max_episode_length() << std::setw(14)
              << backends << t.summary << "\n";
  }
}

struct RunArgs {
  std::string task, checkpoint;
  sim::EnvOptions env;
  long steps = 300;
  std::string actions = "zero";
};

void run_sim_run(const GlobalOptions& global, const RunArgs& a) {
  if (a.steps < 1) throw std::invalid_argument("[sim.run] --steps must be >= 1, got " + std::to_string(a.steps));
  const mx::Device device = apply_device(global);
  auto env = sim::make_env(a.task, a.env);
  const auto& spec = env->spec();
  const int n = env->num_envs();
  std::unique_ptr<sim::PpoTrainer> policy;
  if (!a.checkpoint.empty()) policy = sim::load_policy(*env, a.checkpoint);
  const int vx_column = sim::forward_velocity_column(spec.name);
  auto sum_vx = mx::array(0.0f);
  auto key = mx::random::key(a.env.seed + 1);
  auto ret = mx::zeros({n}, mx::float32), sum_done_ret = mx::array(0.0f), done_count = mx::array(0.0f);
  auto sum_reward = mx::array(0.0f);
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < a.steps; ++i) {
    mx::array act = mx::zeros({n, spec.action_dim}, mx::float32);
    if (policy) {
      act = policy->act(env->observations());
    } else if (a.actions == "random") {
      auto pair = mx::random::split(key);
      key = pair.first;
      act = mx::random::uniform(-1.0f, 1.0f, {n, spec.action_dim}, mx::float32, pair.second);
    }
    auto r = env->step(act);
    auto done = mx::logical_or(r.terminated, r.truncated);
    ret = ret + r.reward;
    sum_done_ret = sum_done_ret + mx::sum(mx::where(done, ret, mx::zeros_like(ret)));
    done_count = done_count + mx::sum(mx::astype(done, mx::float32));
    sum_reward = sum_reward + mx::sum(r.reward);
    ret = mx::where(done, mx::zeros_like(ret), ret);
    if (vx_column >= 0) sum_vx = sum_vx + mx::mean(mx::take(env->state(), vx_column, 1));
    mx::eval({ret, sum_done_ret, done_count, sum_reward, sum_vx});
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double episodes = done_count.item<float>();
  std::cout << spec.id << " on " << env->backend_name() << " (" << describe_device(device) << "): " << n << " envs x "
            << a.steps << " steps, " << (policy ? "checkpoint" : a.actions) << " actions; mean reward/step "
            << sum_reward.item<float>() / (double(n) * a.steps) << ", episodes ended " << long(episodes)
            << ", mean episode return " << (episodes > 0 ? sum_done_ret.item<float>() / episodes : 0.0);
  if (vx_column >= 0) std::cout << ", mean forward (x) velocity " << sum_vx.item<float>() / a.steps << " m/s";
  std::cout << "; "
            << std::fixed << std::setprecision(0) << double(n) * a.steps / secs << " env-steps/s\n";
}

void add_sim(CLI::App& app, GlobalOptions& global) {
  auto* sim = ensure_subcommand(app, "sim", "Isaac Lab direct tasks on MLX: list, run, train");
  auto* list = sim->add_subcommand("list", "List the tasks and the backends that run them");
  list->callback([] { run_sim_list(); });
  auto a = std::make_shared<RunArgs>();
  auto* run = sim->add_subcommand("run", "Step a batch of envs with zero or random actions; print episode statistics");
  run->add_option("--task", a->task, "Task name or Isaac Lab id (robomlx sim list)")->required();
  run->add_option("--num-envs", a->env.num_envs, "Envs stepped together (default 64)");
  run->add_option("--steps", a->steps, "Env steps (default 300)");
  run->add_option("--sim-backend", a->env.backend, "mlx (default) or mujoco");
  run->add_option("--mjcf", a->env.mjcf, "mujoco: a model file replacing the task's own (same joints and actuators)");
  run->add_option("--seed", a->env.seed, "Seed of resets and random actions (default 42)");
  run->add_option("--checkpoint", a->checkpoint, "Act with this sim train --out folder's policy (mean actions)");
  run->add_option("--actions", a->actions, "zero (default) or random (uniform in [-1, 1])")
      ->check(CLI::IsMember({"zero", "random"}));
  run->callback([&global, a] { run_sim_run(global, *a); });
}

}  // namespace

ROBOMLX_COMMAND(sim, add_sim);

}  // namespace robomlx::cli
