// SPDX-License-Identifier: Apache-2.0
// PPO on MLX for SimBackend envs (Schulman et al. 2017, with the details rl_games and Isaac Lab's
// configs use): rollouts of `horizon` steps over all envs, GAE(gamma, lambda) with bootstrapping
// through time-outs, the clipped surrogate, clipped value loss, entropy bonus, observation
// normalisation, shuffled minibatches over `epochs` passes, Adam with global-norm gradient clipping,
// and a linear or KL-adaptive learning rate. Actions are clipped to [-1, 1] before the env sees them
// (rl_games' clip_actions for Isaac Lab tasks).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "robomlx/sim/actor_critic.h"
#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

struct PpoConfig {
  int horizon = 16;          // env steps per env per iteration
  int epochs = 8;            // passes over each rollout
  int minibatches = 4;       // per pass
  double learning_rate = 3e-4;
  std::string lr_schedule = "adaptive";  // "adaptive" (KL target), "linear" (to 0), "constant"
  double kl_target = 0.008;
  double gamma = 0.99, lambda = 0.95;
  double clip = 0.2;         // ratio and value clip
  double value_coef = 2.0;   // x 0.5 (value - return)^2
  double entropy_coef = 0.0;
  double max_grad_norm = 1.0;
  double reward_scale = 0.1; // rl_games' scale_value for cartpole: keeps values O(10)
  std::vector<int> hidden = {32, 32};
  std::uint64_t seed = 42;
  long total_iterations = 0; // the linear schedule's length
};

/// One iteration's statistics.
struct PpoStats {
  long iteration = 0;
  long env_steps = 0;             // total so far
  double mean_episode_return = 0; // over episodes that ended in this iteration (NaN when none)
  long episodes = 0;
  double policy_loss = 0, value_loss = 0, entropy = 0, kl = 0, learning_rate = 0;
  double steps_per_second = 0;    // this iteration, rollout and update together
};

class PpoTrainer {
 public:
  PpoTrainer(SimBackend& env, PpoConfig config);
  /// Collects one rollout and updates the policy on it.
  PpoStats iterate();
  /// Deterministic return: the mean action on every env from a reset for one full episode.
  double evaluate(SimBackend& env) const;
  /// Mean action for normalised-then-clipped observations (inference, `sim play`).
  mx::array act(const mx::array& obs) const;

  void save(const std::string& dir) const;  // policy.safetensors + policy.json into dir (created)
  void load(const std::string& dir);        // FormatError "[sim.checkpoint] ..." when malformed
  const PpoConfig& config() const { return config_; }
  long iteration() const { return iteration_; }
  long env_steps() const { return env_steps_; }
  std::vector<PpoStats>& history() { return history_; }

 private:
  // The update on `batch` (PpoBatch's six arrays); `also` is evaluated with its last step.
  void update(const std::vector<mx::array>& batch, PpoStats& stats, std::vector<mx::array> also);

  SimBackend& env_;
  PpoConfig config_;
  PolicyShape shape_;
  ParamMap params_;
  ParamMap adam_m_, adam_v_;
  long adam_t_ = 0;
  double lr_;
  ObsNormalizer norm_;
  mx::array obs_ = mx::array(0.0f);
  mx::array episode_return_ = mx::array(0.0f);
  mx::array key_;
  long iteration_ = 0, env_steps_ = 0;
  std::vector<PpoStats> history_;
  // One minibatch step of the update (loss, gradients, clipping, Adam, rate), compiled once per
  // trainer (ppo_trainer_update.cpp).
  std::function<std::vector<mx::array>(const std::vector<mx::array>&)> step_fn_;
  // The rollout's compiled pieces (ppo_trainer_rollout.cpp), traced once per trainer.
  std::function<std::vector<mx::array>(const std::vector<mx::array>&)> policy_fn_, episode_fn_, batch_fn_;
};

/// A trainer for `env` with the network widths of the checkpoint in `dir` (policy.json's
/// "hidden"), loaded from it: inference for sim play / sim run. FormatError as load().
std::unique_ptr<PpoTrainer> load_policy(SimBackend& env, const std::string& dir);

}  // namespace robomlx::sim
