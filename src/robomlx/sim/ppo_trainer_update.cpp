// SPDX-License-Identifier: Apache-2.0
// The PPO update: `epochs` shuffled passes of `minibatches` steps. Each step (gather of the
// minibatch, value_and_grad of the loss, global-norm clipping, Adam with bias correction (Kingma &
// Ba), the KL-adaptive rate rl_games uses (x1.5 / /1.5 around the target after every minibatch),
// and the running sums of the loss terms) is one compiled function of arrays, traced once per
// trainer: on a GPU a minibatch is a few dozen launches and no host sync; the rate and the
// statistics are read back once, after the last step.
#include <algorithm>
#include <cmath>

#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/sim/ppo_trainer.h"
#include "robomlx/sim/ppo_trainer_internal.h"

namespace robomlx::sim {

namespace {

constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kAdamEps = 1e-8f;
constexpr int kSums = 4;  // policy loss, value loss, entropy, kl

// The step's inputs, in order: params, Adam m, Adam v (P each, in the names' order), the whole
// rollout (6 arrays of PpoBatch's order), the minibatch's indices, the rate, the bias corrections
// 1 - b1^t and 1 - b2^t, the kSums running sums. Outputs: params, m, v, rate, sums.
std::function<std::vector<mx::array>(const std::vector<mx::array>&)> make_step(const PpoConfig& c,
                                                                               const std::vector<std::string>& names) {
  const int P = int(names.size()), layers = int(c.hidden.size()) + 1;
  const float clip = float(c.clip), vc = float(c.value_coef), ec = float(c.entropy_coef);
  const float max_norm = float(c.max_grad_norm);
  const bool adaptive = c.lr_schedule == "adaptive";
  const float kl_hi = float(2.0 * c.kl_target), kl_lo = float(0.5 * c.kl_target);
  auto loss_fn = [names, layers, clip, vc, ec, P](const std::vector<mx::array>& in) -> std::vector<mx::array> {
    ParamMap p;
    for (int i = 0; i < P; ++i) p.insert_or_assign(names[i], in[i]);
    detail::PpoBatch b{in[P], in[P + 1], in[P + 2], in[P + 3], in[P + 4], in[P + 5]};
    auto l = detail::ppo_loss(p, layers, b, clip, vc, ec);
    return {l.loss, l.policy_loss, l.value_loss, l.entropy, l.kl};
  };
  std::vector<int> argnums(P);
  for (int i = 0; i < P; ++i) argnums[i] = i;
  auto vg = mx::value_and_grad(loss_fn, argnums);
  auto step = [vg, P, max_norm, adaptive, kl_hi, kl_lo](const std::vector<mx::array>& in) {
    const int batch0 = 3 * P, idx = batch0 + 6, lr_at = idx + 1, sums_at = lr_at + 3;
    std::vector<mx::array> loss_in(in.begin(), in.begin() + P);
    for (int k = 0; k < 6; ++k) loss_in.push_back(mx::take(in[batch0 + k], in[idx], 0));
    auto [vals, grads] = vg(loss_in);
    auto sq = mx::array(0.0f);
    for (const auto& g : grads) sq = sq + mx::sum(mx::square(g));
    auto factor = mx::minimum(mx::array(1.0f), max_norm / (mx::sqrt(sq) + 1e-6f));
    const auto &lr = in[lr_at], &c1 = in[lr_at + 1], &c2 = in[lr_at + 2];
    std::vector<mx::array> out(3 * P, mx::array(0.0f));
    for (int i = 0; i < P; ++i) {
      auto g = grads[i] * factor;
      auto m1 = kBeta1 * in[P + i] + (1.0f - kBeta1) * g;
      auto m2 = kBeta2 * in[2 * P + i] + (1.0f - kBeta2) * g * g;
      out[i] = in[i] - lr * (m1 / c1) / (mx::sqrt(m2 / c2) + kAdamEps);
      out[P + i] = m1, out[2 * P + i] = m2;
    }
    // The next minibatch's rate from this one's KL (of the parameters before this step).
    const auto& kl = vals[4];
    auto next_lr = adaptive ? mx::where(kl > kl_hi, mx::maximum(lr / 1.5f, mx::array(1e-6f)),
                                        mx::where(kl < kl_lo, mx::minimum(lr * 1.5f, mx::array(1e-2f)), lr))
                            : lr;
    out.push_back(next_lr);
    for (int k = 0; k < kSums; ++k) out.push_back(in[sums_at + k] + vals[1 + k]);
    return out;
  };
  return mx::compile(step);
}

}  // namespace

void PpoTrainer::update(const std::vector<mx::array>& batch, PpoStats& stats, std::vector<mx::array> also) {
  const int P = int(params_.size());
  std::vector<std::string> names;
  for (const auto& [name, a] : params_) names.push_back(name);
  if (!step_fn_) step_fn_ = make_step(config_, names);
  if (config_.lr_schedule == "linear" && config_.total_iterations > 0)
    lr_ = config_.learning_rate * std::max(0.0, 1.0 - double(iteration_) / double(config_.total_iterations));
  const int total = batch[0].shape(0), mb = total / config_.minibatches;
  // state: params, m, v (as in the step's inputs), then the rate and the sums.
  std::vector<mx::array> state;
  for (const auto* map : {&params_, &adam_m_, &adam_v_})
    for (const auto& [name, a] : *map) state.push_back(a);
  state.push_back(mx::array(float(lr_)));
  for (int k = 0; k < kSums; ++k) state.push_back(mx::array(0.0f));
  for (int e = 0; e < config_.epochs; ++e) {
    auto pair = mx::random::split(key_);
    key_ = pair.first;
    auto perm = mx::random::permutation(total, pair.second);
    for (int m = 0; m < config_.minibatches; ++m) {
      ++adam_t_;
      const float c1 = 1.0f - std::pow(kBeta1, float(adam_t_)), c2 = 1.0f - std::pow(kBeta2, float(adam_t_));
      std::vector<mx::array> in(state.begin(), state.begin() + 3 * P);
      in.insert(in.end(), batch.begin(), batch.end());
      in.push_back(mx::slice(perm, {m * mb}, {(m + 1) * mb}));
      in.insert(in.end(), {state[3 * P], mx::array(c1), mx::array(c2)});
      in.insert(in.end(), state.begin() + 3 * P + 1, state.end());
      state = step_fn_(in);
      // Scheduled, not waited for: the host builds the next step while this one runs.
      detail::ppo_eval(state, /*blocking=*/false);
    }
  }
  also.insert(also.end(), state.begin(), state.end());
  detail::ppo_eval(also);
  for (int i = 0; i < P; ++i) {
    params_.at(names[i]) = state[i];
    adam_m_.at(names[i]) = state[P + i];
    adam_v_.at(names[i]) = state[2 * P + i];
  }
  lr_ = state[3 * P].item<float>();
  const int count = config_.epochs * config_.minibatches;
  stats.policy_loss = state[3 * P + 1].item<float>() / count, stats.value_loss = state[3 * P + 2].item<float>() / count;
  stats.entropy = state[3 * P + 3].item<float>() / count, stats.kl = state[3 * P + 4].item<float>() / count;
}

}  // namespace robomlx::sim
