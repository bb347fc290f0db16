// SPDX-License-Identifier: Apache-2.0
// `robomlx bench sim`: env-steps/s of the tasks at Isaac Lab's default 4096 envs (--quick: 256).
// mlx backend: the env step alone (zero actions), with the policy's forward pass (Isaac Lab's
// "with inference") and whole PPO iterations (16-step rollout with sampling + 8 epochs x 4
// minibatches of updates, Isaac Lab's "with training"); a scalar C++ loop over the cartpole step is
// the single-core peer. mujoco backend: every task batched over the thread pool, and one env on
// one thread, whose physics steps/s (decimation x env steps/s) is the per-core figure to set
// against MuJoCo's own speed (mj_step in a loop, as its testspeed sample measures).
// ROBOMLX_BENCH_FILTER="cartpole|quadcopter" and --budget keep a GPU call short (cmd_bench.cpp).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/ppo_trainer.h"
#include "robomlx/sim/ppo_trainer_internal.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::sim {

namespace {

void rate(BenchResult& r, double steps_per_call) {
  if (r.median_ms > 0) r.metrics["env_steps_per_s"] = steps_per_call / (r.median_ms / 1000.0);
}

// The cartpole env step for one env in double precision (the same maths as cartpole_env.cpp).
void scalar_cartpole_steps(std::vector<double>& s, const std::vector<double>& act) {
  const double dt = 1.0 / 120, mpl = 0.47, m11 = 2.0 + dt * 10, m22 = (1.0 + 0.0036) / 12 + 0.47 * 0.47;
  const std::size_t n = act.size();
  for (std::size_t i = 0; i < n; ++i) {
    double x = s[4 * i], th = s[4 * i + 1], vx = s[4 * i + 2], vth = s[4 * i + 3];
    const double f = std::clamp(100.0 * act[i], -400.0, 400.0);
    for (int k = 0; k < 2; ++k) {
      const double sn = std::sin(th), m12 = mpl * std::cos(th);
      const double r1 = f + mpl * sn * vth * vth - 10 * vx, r2 = mpl * 9.81 * sn, det = m11 * m22 - m12 * m12;
      vx += dt * (r1 * m22 - m12 * r2) / det;
      vth += dt * (m11 * r2 - m12 * r1) / det;
      x += dt * vx;
      th += dt * vth;
    }
    if (std::abs(x) > 3 || std::abs(th) > 1.5707963) x = 0, th = 0.1, vx = 0, vth = 0;  // reset
    s[4 * i] = x, s[4 * i + 1] = th, s[4 * i + 2] = vx, s[4 * i + 3] = vth;
  }
}

// One more iteration, untimed, through the trainer's probe: its host syncs (blocking evals) and
// the primitives and kernel launches of every graph it evaluates. On a GPU the update of this
// small MLP is bound by these counts, not by arithmetic.
void add_ppo_graph_size(BenchResult& r, PpoTrainer& trainer) {
  GraphSize total;
  int syncs = 0;
  detail::ppo_sync_probe() = [&](const std::vector<mx::array>& evaluated, bool blocking) {
    const auto g = graph_size(evaluated);
    total.nodes += g.nodes;
    total.kernels += g.kernels;
    syncs += blocking ? 1 : 0;
  };
  trainer.iterate();
  detail::ppo_sync_probe() = nullptr;
  r.metrics["syncs_per_iter"] = syncs;
  r.metrics["graph_nodes_per_iter"] = total.nodes;
  r.metrics["graph_kernels_per_iter"] = total.kernels;
}

void sim_suite(BenchContext& ctx) {
  const int n = ctx.quick ? 256 : 4096;
  const std::string size = " N=" + std::to_string(n);
  for (const auto& info : task_table()) {
    bool mlx_backend = false;
    for (const auto& b : info.backends) mlx_backend = mlx_backend || b == "mlx";
    if (!mlx_backend) continue;
    const auto& name = info.spec.name;
    const std::string step_case = name + " env step" + size, policy_case = name + " env step + policy" + size,
                      ppo_case = name + " PPO iteration H=16" + size;
    // A task whose rows are all filtered out (or past the budget) builds nothing.
    if (!ctx.wants(step_case) && !ctx.wants(policy_case) && !ctx.wants(ppo_case)) continue;
    auto env = make_env(name, {n, 1});
    auto zero = mx::zeros({n, info.spec.action_dim}, mx::float32);
    mx::eval(zero);
    rate(ctx.run(step_case, [&] {
      auto r = env->step(zero);
      return std::vector<mx::array>{r.obs, r.reward, r.terminated, r.truncated};
    }, "mlx"), n);
    if (!ctx.wants(policy_case) && !ctx.wants(ppo_case)) continue;
    PpoConfig cfg;
    PpoTrainer trainer(*env, cfg);
    auto obs = env->observations();
    rate(ctx.run(policy_case, [&] {
      auto r = env->step(trainer.act(obs));
      obs = r.obs;
      return std::vector<mx::array>{r.obs, r.reward, r.terminated, r.truncated};
    }, "mlx"), n);
    auto& ppo = ctx.run_host(ppo_case, [&] { trainer.iterate(); }, "mlx");
    rate(ppo, double(n) * cfg.horizon);
    if (ppo.samples > 0) add_ppo_graph_size(ppo, trainer);
  }
  for (const auto& info : task_table()) {
    bool mujoco_backend = false;
    for (const auto& b : info.backends) mujoco_backend = mujoco_backend || b == "mujoco";
    if (!mujoco_backend || !mujoco_built()) continue;
    const auto& name = info.spec.name;
    for (int envs : {n, 1}) {
      const std::string mj_case = name + " env step" + (envs == 1 ? std::string(" N=1 (1 thread)") : size);
      if (!ctx.wants(mj_case)) continue;
      auto env = make_env(name, {envs, 1, "mujoco", ""});
      auto zero = mx::zeros({envs, info.spec.action_dim}, mx::float32);
      mx::eval(zero);
      auto& r = ctx.run(mj_case, [&] {
        auto out = env->step(zero);
        return std::vector<mx::array>{out.obs, out.reward, out.terminated, out.truncated};
      }, "mujoco");
      rate(r, envs);
      if (envs == 1 && r.median_ms > 0) r.metrics["physics_steps_per_s_per_core"] = info.spec.decimation / (r.median_ms / 1000.0);
    }
  }
  std::vector<double> state(4 * std::size_t(n), 0.0), act(n, 0.3);
  for (int i = 0; i < n; ++i) state[4 * i + 1] = 0.01 * (i % 50);
  rate(ctx.run_host("cartpole env step (scalar C++ loop, 1 core)" + size, [&] { scalar_cartpole_steps(state, act); },
                    "scalar"),
       n);
}

}  // namespace

ROBOMLX_BENCH_SUITE(sim, "Isaac Lab direct tasks: env-steps/s on mlx (env step, with the policy, with PPO training) "
                         "and on mujoco (batched, and one env per core); 4096 envs, --quick 256",
                    sim_suite);

}  // namespace robomlx::sim
