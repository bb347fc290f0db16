// SPDX-License-Identifier: Apache-2.0
// The rollout's pieces as compiled functions of arrays (traced once per trainer, the parameters
// and observation statistics passed in): the policy's half of a step, the episode bookkeeping
// after the env's step (itself one compiled function, in the env), and GAE with the batch. On a
// GPU a rollout step is then three fused graphs and no host sync.
#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/random.h>

#include "robomlx/sim/ppo_trainer_internal.h"

namespace robomlx::sim::detail {

namespace {

ParamMap param_map(const std::vector<std::string>& names, const std::vector<mx::array>& in) {
  ParamMap p;
  for (std::size_t i = 0; i < names.size(); ++i) p.insert_or_assign(names[i], in[i]);
  return p;
}

mx::array normalize(const mx::array& mean, const mx::array& var, const mx::array& obs) {
  ObsNormalizer n;
  n.mean = mean, n.var = var;
  return n.normalize(obs);
}

}  // namespace

ArrayFn make_policy_step(const std::vector<std::string>& names, int layers) {
  const int P = int(names.size());
  return mx::compile([names, layers, P](const std::vector<mx::array>& in) -> std::vector<mx::array> {
    const auto p = param_map(names, in);
    auto on = normalize(in[P], in[P + 1], in[P + 2]);
    auto mu = mlp_forward(p, "actor", layers, on);
    auto pair = mx::random::split(in[P + 3]);
    const auto& log_std = p.at("log_std");
    auto a = mu + mx::exp(log_std) * mx::random::normal(mu.shape(), mx::float32, pair.second);
    auto v = mx::reshape(mlp_forward(p, "critic", layers, on), {-1});
    return {on, a, mx::clip(a, mx::array(-1.0f), mx::array(1.0f)), gaussian_logp(a, mu, log_std), v, pair.first};
  });
}

ArrayFn make_episode_step(float gamma, float reward_scale) {
  return mx::compile([gamma, reward_scale](const std::vector<mx::array>& in) -> std::vector<mx::array> {
    const auto &reward = in[0], &terminated = in[1], &truncated = in[2], &v = in[3];
    auto done = mx::logical_or(terminated, truncated);
    auto ret = in[4] + reward;
    auto ended_sum = in[5] + mx::sum(mx::where(done, ret, mx::zeros_like(ret)));
    auto ended_count = in[6] + mx::sum(mx::astype(done, mx::float32));
    ret = mx::where(done, mx::zeros_like(ret), ret);
    // Time-outs are not failures: bootstrap them with the value of the state before the step
    // (rl_games' approximation: the true next state was replaced by the reset).
    auto rew = reward_scale * reward + gamma * v * mx::astype(truncated, mx::float32);
    return {ret, ended_sum, ended_count, rew, mx::astype(done, mx::float32)};
  });
}

ArrayFn make_rollout_batch(const std::vector<std::string>& names, int layers, int horizon, float gamma, float lambda) {
  const int P = int(names.size()), H = horizon;
  return mx::compile([names, layers, P, H, gamma, lambda](const std::vector<mx::array>& in) -> std::vector<mx::array> {
    const auto p = param_map(names, in);
    auto part = [&](int k) { return std::vector<mx::array>(in.begin() + P + 3 + k * H, in.begin() + P + 3 + (k + 1) * H); };
    const auto obs_n = part(0), acts = part(1), logps = part(2), values = part(3), rewards = part(4), dones = part(5);
    // GAE(lambda), backwards; a done step does not look past its reset.
    auto next_value = mx::reshape(mlp_forward(p, "critic", layers, normalize(in[P], in[P + 1], in[P + 2])), {-1});
    auto gae = mx::zeros_like(next_value);
    std::vector<mx::array> adv(H, gae);
    for (int t = H - 1; t >= 0; --t) {
      auto nonterminal = 1.0f - dones[t];
      auto delta = rewards[t] + gamma * next_value * nonterminal - values[t];
      gae = delta + gamma * lambda * nonterminal * gae;
      adv[t] = gae;
      next_value = values[t];
    }
    auto A = mx::concatenate(adv, 0);
    auto V = mx::concatenate(values, 0);
    return {mx::concatenate(obs_n, 0), mx::concatenate(acts, 0), mx::concatenate(logps, 0), V, A + V,
            (A - mx::mean(A)) / (mx::std(A) + 1e-8f)};
  });
}

}  // namespace robomlx::sim::detail
