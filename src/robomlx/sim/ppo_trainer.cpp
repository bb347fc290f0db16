// SPDX-License-Identifier: Apache-2.0
// PPO rollouts and updates. Everything stays on the device and the iteration has one host sync
// (after the update's last step): each rollout step is the compiled policy half, the env's own
// compiled step and the compiled episode bookkeeping (ppo_trainer_rollout.cpp), GAE runs
// backwards over the horizon in one compiled function, and each minibatch step of the update is
// one compiled function too (ppo_trainer_update.cpp).
#include "robomlx/sim/ppo_trainer.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/sim/ppo_trainer_internal.h"

namespace robomlx::sim {

namespace {
const float kLog2Pi = float(std::log(2.0 * std::numbers::pi));
}  // namespace

namespace detail {

mx::array gaussian_logp(const mx::array& a, const mx::array& mu, const mx::array& log_std) {
  auto z = (a - mu) * mx::exp(-log_std);
  return -0.5f * mx::sum(z * z + 2.0f * log_std + kLog2Pi, -1);
}

PpoLoss ppo_loss(const ParamMap& p, int layers, const PpoBatch& b, float clip, float value_coef, float entropy_coef) {
  auto mu = mlp_forward(p, "actor", layers, b.obs);
  const auto& log_std = p.at("log_std");
  auto logp = gaussian_logp(b.actions, mu, log_std);
  auto log_ratio = logp - b.old_logp;
  auto ratio = mx::exp(log_ratio);
  auto surr = mx::minimum(ratio * b.advantages, mx::clip(ratio, mx::array(1 - clip), mx::array(1 + clip)) * b.advantages);
  auto policy_loss = -mx::mean(surr);
  auto v = mx::reshape(mlp_forward(p, "critic", layers, b.obs), {-1});
  auto v_clipped = b.old_values + mx::clip(v - b.old_values, mx::array(-clip), mx::array(clip));
  auto value_loss = 0.5f * mx::mean(mx::maximum(mx::square(v - b.returns), mx::square(v_clipped - b.returns)));
  // Entropy of a diagonal Gaussian: sum(log std) + d/2 (1 + log 2 pi).
  auto entropy = mx::sum(log_std) + 0.5f * float(log_std.size()) * (1.0f + kLog2Pi);
  auto loss = policy_loss + value_coef * value_loss - entropy_coef * entropy;
  auto kl = mx::mean((ratio - 1.0f) - log_ratio);  // k3 estimator of KL(old || new), >= 0
  return {loss, policy_loss, value_loss, entropy, kl};
}

PpoSyncProbe& ppo_sync_probe() {
  static PpoSyncProbe probe;
  return probe;
}

void ppo_eval(const std::vector<mx::array>& arrays, bool blocking) {
  if (const auto& probe = ppo_sync_probe()) probe(arrays, blocking);
  if (blocking) mx::eval(arrays);
  else mx::async_eval(arrays);
}

}  // namespace detail

PpoTrainer::PpoTrainer(SimBackend& env, PpoConfig config)
    : env_(env), config_(std::move(config)), lr_(config_.learning_rate), norm_(env.spec().obs_dim),
      key_(mx::random::key(config_.seed ^ 0x9e3779b97f4a7c15ULL)) {
  if (config_.horizon < 1 || config_.epochs < 1 || config_.minibatches < 1)
    throw std::invalid_argument("[sim.ppo] horizon, epochs and minibatches must be >= 1");
  if (long(config_.horizon) * env.num_envs() % config_.minibatches != 0)
    throw std::invalid_argument("[sim.ppo] minibatches must divide horizon x num_envs (" +
                                std::to_string(long(config_.horizon) * env.num_envs()) + "), got " +
                                std::to_string(config_.minibatches));
  bool widths_ok = !config_.hidden.empty() && config_.hidden.size() <= 8;
  for (int w : config_.hidden) widths_ok = widths_ok && w >= 1 && w <= 4096;
  if (!widths_ok) throw std::invalid_argument("[sim.ppo] hidden must be 1 to 8 layer widths in [1, 4096]");
  if (!(config_.reward_scale > 0) || !std::isfinite(config_.reward_scale))
    throw std::invalid_argument("[sim.ppo] reward scale must be a positive number");
  if (config_.lr_schedule != "adaptive" && config_.lr_schedule != "linear" && config_.lr_schedule != "constant")
    throw std::invalid_argument("[sim.ppo] lr schedule must be adaptive, linear or constant, got '" +
                                config_.lr_schedule + "'");
  shape_ = {env.spec().obs_dim, env.spec().action_dim, config_.hidden};
  params_ = init_policy(shape_, config_.seed);
  for (const auto& [name, a] : params_) {
    adam_m_.insert_or_assign(name, mx::zeros_like(a));
    adam_v_.insert_or_assign(name, mx::zeros_like(a));
  }
  env_.reset();
  obs_ = env_.observations();
  episode_return_ = mx::zeros({env.num_envs()}, mx::float32);
}

mx::array PpoTrainer::act(const mx::array& obs) const {
  const int layers = int(config_.hidden.size()) + 1;
  return mx::clip(mlp_forward(params_, "actor", layers, norm_.normalize(obs)), mx::array(-1.0f), mx::array(1.0f));
}

PpoStats PpoTrainer::iterate() {
  const auto t0 = std::chrono::steady_clock::now();
  const int n = env_.num_envs(), H = config_.horizon, layers = int(config_.hidden.size()) + 1;
  std::vector<std::string> names;
  std::vector<mx::array> params;
  for (const auto& [name, a] : params_) names.push_back(name), params.push_back(a);
  if (!policy_fn_) {
    policy_fn_ = detail::make_policy_step(names, layers);
    episode_fn_ = detail::make_episode_step(float(config_.gamma), float(config_.reward_scale));
    batch_fn_ = detail::make_rollout_batch(names, layers, H, float(config_.gamma), float(config_.lambda));
  }
  std::vector<mx::array> obs_n, acts, logps, values, rewards, dones, raw_obs;
  PpoStats stats;
  auto ended_sum = mx::array(0.0f), ended_count = mx::array(0.0f);
  auto policy_in = params;
  policy_in.insert(policy_in.end(), {norm_.mean, norm_.var, obs_, key_});
  for (int t = 0; t < H; ++t) {
    policy_in[params.size() + 2] = obs_, policy_in[params.size() + 3] = key_;
    auto pol = policy_fn_(policy_in);  // on, a, clipped a, logp, v, key
    key_ = pol[5];
    auto r = env_.step(pol[2]);
    auto ep = episode_fn_({r.reward, r.terminated, r.truncated, pol[4], episode_return_, ended_sum, ended_count});
    episode_return_ = ep[0], ended_sum = ep[1], ended_count = ep[2];
    obs_n.push_back(pol[0]), acts.push_back(pol[1]), logps.push_back(pol[3]);
    values.push_back(pol[4]), rewards.push_back(ep[3]), dones.push_back(ep[4]);
    raw_obs.push_back(obs_);
    obs_ = r.obs;
    // Scheduled, not waited for: the host builds the next step while this one runs.
    detail::ppo_eval({obs_, key_, episode_return_, ended_sum, ended_count, pol[0], pol[1], pol[3], pol[4], ep[3], ep[4]},
                     /*blocking=*/false);
  }
  auto batch_in = params;
  batch_in.insert(batch_in.end(), {norm_.mean, norm_.var, obs_});
  for (const auto* list : {&obs_n, &acts, &logps, &values, &rewards, &dones})
    batch_in.insert(batch_in.end(), list->begin(), list->end());
  auto batch = batch_fn_(batch_in);
  detail::ppo_eval(batch, /*blocking=*/false);
  // For the next rollout (this one's log-probs used the old statistics); evaluated with the
  // update's last step, the iteration's one host sync.
  norm_.update(mx::concatenate(raw_obs, 0));
  update(batch, stats, {norm_.mean, norm_.var, ended_sum, ended_count});
  ++iteration_;
  env_steps_ += long(n) * H;
  stats.iteration = iteration_;
  stats.env_steps = env_steps_;
  stats.episodes = long(ended_count.item<float>());
  stats.mean_episode_return =
      stats.episodes > 0 ? ended_sum.item<float>() / stats.episodes : std::numeric_limits<double>::quiet_NaN();
  stats.learning_rate = lr_;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stats.steps_per_second = double(n) * H / secs;
  history_.push_back(stats);
  return stats;
}

double PpoTrainer::evaluate(SimBackend& env) const {
  const int n = env.num_envs(), steps = env.spec().max_episode_length();
  // Every env by id: whole episodes from step 0 (a bare reset() spreads the quadcopter's counters).
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  env.reset(all);
  auto obs = env.observations();
  auto ret = mx::zeros({n}, mx::float32), alive = mx::ones({n}, mx::float32);
  for (int t = 0; t < steps; ++t) {
    auto r = env.step(act(obs));
    ret = ret + alive * r.reward;
    alive = alive * (1.0f - mx::astype(mx::logical_or(r.terminated, r.truncated), mx::float32));
    obs = r.obs;
    mx::eval({ret, alive, obs});
  }
  return mx::mean(ret).item<float>();
}

}  // namespace robomlx::sim
