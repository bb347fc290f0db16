// SPDX-License-Identifier: Apache-2.0
// PPO rollouts and updates. The rollout keeps everything on the device (no host sync per step
// beyond MLX's own eval), GAE runs backwards over the horizon as [N] array ops, and each minibatch
// step is one value_and_grad of the whole PPO loss followed by Adam.
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

mx::array gaussian_logp(const mx::array& a, const mx::array& mu, const mx::array& log_std) {
  auto z = (a - mu) * mx::exp(-log_std);
  return -0.5f * mx::sum(z * z + 2.0f * log_std + kLog2Pi, -1);
}

}  // namespace

namespace detail {

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
  const float gamma = float(config_.gamma), lam = float(config_.lambda), scale = float(config_.reward_scale);
  std::vector<mx::array> obs_n, acts, logps, values, rewards, dones, raw_obs;
  PpoStats stats;
  auto ended_sum = mx::array(0.0f), ended_count = mx::array(0.0f);
  const auto& log_std = params_.at("log_std");
  for (int t = 0; t < H; ++t) {
    auto on = norm_.normalize(obs_);
    auto mu = mlp_forward(params_, "actor", layers, on);
    auto pair = mx::random::split(key_);
    key_ = pair.first;
    auto a = mu + mx::exp(log_std) * mx::random::normal(mu.shape(), mx::float32, pair.second);
    auto v = mx::reshape(mlp_forward(params_, "critic", layers, on), {-1});
    auto r = env_.step(mx::clip(a, mx::array(-1.0f), mx::array(1.0f)));
    auto done = mx::logical_or(r.terminated, r.truncated);
    episode_return_ = episode_return_ + r.reward;
    ended_sum = ended_sum + mx::sum(mx::where(done, episode_return_, mx::zeros_like(episode_return_)));
    ended_count = ended_count + mx::sum(mx::astype(done, mx::float32));
    episode_return_ = mx::where(done, mx::zeros_like(episode_return_), episode_return_);
    // Time-outs are not failures: bootstrap them with the value of the state before the step
    // (rl_games' approximation: the true next state was replaced by the reset).
    auto rew = scale * r.reward + gamma * v * mx::astype(r.truncated, mx::float32);
    obs_n.push_back(on), acts.push_back(a), logps.push_back(gaussian_logp(a, mu, log_std));
    values.push_back(v), rewards.push_back(rew), dones.push_back(mx::astype(done, mx::float32));
    raw_obs.push_back(obs_);
    obs_ = r.obs;
    detail::ppo_eval({obs_, episode_return_, ended_sum, ended_count, a, v, rew});
  }
  // GAE(lambda), backwards; a done step does not look past its reset.
  auto next_value = mx::reshape(mlp_forward(params_, "critic", layers, norm_.normalize(obs_)), {-1});
  auto gae = mx::zeros({n}, mx::float32);
  std::vector<mx::array> adv(H, gae);
  for (int t = H - 1; t >= 0; --t) {
    auto nonterminal = 1.0f - dones[t];
    auto delta = rewards[t] + gamma * next_value * nonterminal - values[t];
    gae = delta + gamma * lam * nonterminal * gae;
    adv[t] = gae;
    next_value = values[t];
  }
  auto A = mx::concatenate(adv, 0);
  auto V = mx::concatenate(values, 0);
  detail::PpoBatch all{mx::concatenate(obs_n, 0), mx::concatenate(acts, 0), mx::concatenate(logps, 0), V, A + V,
                       (A - mx::mean(A)) / (mx::std(A) + 1e-8f)};
  detail::ppo_eval({all.obs, all.actions, all.old_logp, all.old_values, all.returns, all.advantages});
  update({all.obs, all.actions, all.old_logp, all.old_values, all.returns, all.advantages}, stats);
  norm_.update(mx::concatenate(raw_obs, 0));  // for the next rollout: this one's logp used the old stats
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
