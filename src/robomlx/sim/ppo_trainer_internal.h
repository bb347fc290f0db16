// SPDX-License-Identifier: Apache-2.0
// Internal: the PPO loss on one minibatch (tests check its terms against hand-computed values),
// and the probe bench sim counts a PPO iteration's host syncs and kernels with.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "robomlx/sim/actor_critic.h"
#include "robomlx/sim/ppo_trainer.h"

namespace robomlx::sim::detail {

/// One minibatch: normalised observations [B, obs], sampled actions [B, act], their log-probs,
/// values at collection time, GAE returns and (normalised) advantages, all [B].
struct PpoBatch {
  mx::array obs, actions, old_logp, old_values, returns, advantages;
};

struct PpoLoss {
  mx::array loss, policy_loss, value_loss, entropy, kl;
};

/// loss = -mean(min(r A, clip(r, 1-c, 1+c) A)) + value_coef * 0.5 mean(max((v-R)^2, (v_c-R)^2))
///        - entropy_coef * H, with r = exp(logp - old_logp) and v_c = old_v + clip(v - old_v, -c, c).
PpoLoss ppo_loss(const ParamMap& p, int layers, const PpoBatch& b, float clip, float value_coef, float entropy_coef);

/// log N(a; mu, exp(log_std)^2) summed over the action dimensions: [B, act] -> [B].
mx::array gaussian_logp(const mx::array& a, const mx::array& mu, const mx::array& log_std);

/// A compiled function of arrays (mx::compile's signature).
using ArrayFn = std::function<std::vector<mx::array>(const std::vector<mx::array>&)>;

/// The policy's half of a rollout step (ppo_trainer_rollout.cpp): (parameters in `names`' order,
/// obs mean, obs var, obs, key) -> (normalised obs, sampled action, action clipped to [-1, 1],
/// its log-prob, value, the key for the next step).
ArrayFn make_policy_step(const std::vector<std::string>& names, int layers);
/// After the env's step: (reward, terminated, truncated, value, episode returns, sum and count
/// of ended episodes' returns) -> (episode returns, sum, count, reward_scale x reward + the
/// time-out bootstrap gamma x value, done as float).
ArrayFn make_episode_step(float gamma, float reward_scale);
/// GAE(lambda) and the update's batch: (parameters, obs mean, obs var, the last obs, then
/// `horizon` arrays each of normalised obs, actions, log-probs, values, rewards, dones) ->
/// PpoBatch's six arrays, steps concatenated, advantages normalised.
ArrayFn make_rollout_batch(const std::vector<std::string>& names, int layers, int horizon, float gamma, float lambda);

/// One minibatch step of the update (ppo_trainer_update.cpp): (the parameters, Adam m and Adam v,
/// each the tensors of `like` flattened and concatenated in name order, the minibatch's six
/// PpoBatch arrays, the rate, 1 - beta1^t, 1 - beta2^t, four running sums) -> (parameters, m, v,
/// the next minibatch's rate, the sums plus this step's policy loss, value loss, entropy, kl).
ArrayFn make_update_step(const PpoConfig& config, const ParamMap& like);

/// Called by the trainer with the arrays it evaluates: `blocking` for mx::eval (a host sync),
/// not for mx::async_eval. Unset (the default) costs nothing.
using PpoSyncProbe = std::function<void(const std::vector<mx::array>&, bool blocking)>;
PpoSyncProbe& ppo_sync_probe();

/// mx::eval (blocking) or mx::async_eval of `arrays`, reported to the probe first.
void ppo_eval(const std::vector<mx::array>& arrays, bool blocking = true);

}  // namespace robomlx::sim::detail
