// SPDX-License-Identifier: Apache-2.0
// Internal: the PPO loss on one minibatch (tests check its terms against hand-computed values),
// and the probe bench sim counts a PPO iteration's host syncs and kernels with.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "robomlx/sim/actor_critic.h"

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

/// Called by the trainer with the arrays it evaluates: `blocking` for mx::eval (a host sync),
/// not for mx::async_eval. Unset (the default) costs nothing.
using PpoSyncProbe = std::function<void(const std::vector<mx::array>&, bool blocking)>;
PpoSyncProbe& ppo_sync_probe();

/// mx::eval (blocking) or mx::async_eval of `arrays`, reported to the probe first.
void ppo_eval(const std::vector<mx::array>& arrays, bool blocking = true);

}  // namespace robomlx::sim::detail
