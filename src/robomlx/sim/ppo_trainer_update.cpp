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

// The parameters as one flat vector, in the names' order: Adam and the gradient norm are then one
// fused kernel and one reduction each instead of one per tensor.
struct FlatLayout {
  std::vector<std::string> names;
  std::vector<mx::Shape> shapes;
  std::vector<int> offsets;  // names.size() + 1: the last is the total
  explicit FlatLayout(const ParamMap& params) : offsets{0} {
    for (const auto& [name, a] : params) {
      names.push_back(name), shapes.push_back(a.shape());
      offsets.push_back(offsets.back() + int(a.size()));
    }
  }
  mx::array flatten(const ParamMap& m) const {
    std::vector<mx::array> parts;
    for (const auto& name : names) parts.push_back(mx::reshape(m.at(name), {-1}));
    return mx::concatenate(parts, 0);
  }
  // Tensor i of `flat` as a view (a slice of a contiguous vector, reshaped: no copy).
  mx::array view(const mx::array& flat, int i) const {
    return mx::reshape(mx::slice(flat, {offsets[i]}, {offsets[i + 1]}), shapes[i]);
  }
};

}  // namespace

namespace detail {

ArrayFn make_update_step(const PpoConfig& c, const ParamMap& like) {
  const FlatLayout layout(like);
  const int P = int(layout.names.size()), layers = int(c.hidden.size()) + 1;
  const float clip = float(c.clip), vc = float(c.value_coef), ec = float(c.entropy_coef);
  const float max_norm = float(c.max_grad_norm);
  const bool adaptive = c.lr_schedule == "adaptive";
  const float kl_hi = float(2.0 * c.kl_target), kl_lo = float(0.5 * c.kl_target);
  auto loss_fn = [names = layout.names, layers, clip, vc, ec, P](const std::vector<mx::array>& in) -> std::vector<mx::array> {
    ParamMap p;
    for (int i = 0; i < P; ++i) p.insert_or_assign(names[i], in[i]);
    detail::PpoBatch b{in[P], in[P + 1], in[P + 2], in[P + 3], in[P + 4], in[P + 5]};
    auto l = detail::ppo_loss(p, layers, b, clip, vc, ec);
    return {l.loss, l.policy_loss, l.value_loss, l.entropy, l.kl};
  };
  std::vector<int> argnums(P);
  for (int i = 0; i < P; ++i) argnums[i] = i;
  auto vg = mx::value_and_grad(loss_fn, argnums);
  auto step = [vg, layout, P, max_norm, adaptive, kl_hi, kl_lo](const std::vector<mx::array>& in) {
    constexpr int batch0 = 3, lr_at = batch0 + 6, sums_at = lr_at + 3;
    std::vector<mx::array> loss_in;
    for (int i = 0; i < P; ++i) loss_in.push_back(layout.view(in[0], i));
    loss_in.insert(loss_in.end(), in.begin() + batch0, in.begin() + lr_at);
    auto [vals, grads] = vg(loss_in);
    for (auto& g : grads) g = mx::reshape(g, {-1});
    auto g = mx::concatenate(grads, 0);
    auto factor = mx::minimum(mx::array(1.0f), max_norm / (mx::sqrt(mx::sum(mx::square(g))) + 1e-6f));
    g = g * factor;
    const auto &lr = in[lr_at], &c1 = in[lr_at + 1], &c2 = in[lr_at + 2];
    auto m1 = kBeta1 * in[1] + (1.0f - kBeta1) * g;
    auto m2 = kBeta2 * in[2] + (1.0f - kBeta2) * g * g;
    std::vector<mx::array> out = {in[0] - lr * (m1 / c1) / (mx::sqrt(m2 / c2) + kAdamEps), m1, m2};
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

}  // namespace detail

void PpoTrainer::update(const std::vector<mx::array>& batch, PpoStats& stats, std::vector<mx::array> also) {
  const FlatLayout layout(params_);
  if (!step_fn_) step_fn_ = detail::make_update_step(config_, params_);
  if (config_.lr_schedule == "linear" && config_.total_iterations > 0)
    lr_ = config_.learning_rate * std::max(0.0, 1.0 - double(iteration_) / double(config_.total_iterations));
  const int total = batch[0].shape(0), mb = total / config_.minibatches;
  // state: parameters, m, v (flat), the rate, the sums.
  std::vector<mx::array> state = {layout.flatten(params_), layout.flatten(adam_m_), layout.flatten(adam_v_),
                                  mx::array(float(lr_))};
  for (int k = 0; k < kSums; ++k) state.push_back(mx::array(0.0f));
  for (int e = 0; e < config_.epochs; ++e) {
    auto pair = mx::random::split(key_);
    key_ = pair.first;
    auto perm = mx::random::permutation(total, pair.second);
    // Shuffled once per pass (6 gathers, not 6 per minibatch); a minibatch is then a run of rows.
    std::vector<mx::array> shuffled;
    for (const auto& b : batch) shuffled.push_back(mx::take(b, perm, 0));
    for (int m = 0; m < config_.minibatches; ++m) {
      ++adam_t_;
      const float c1 = 1.0f - std::pow(kBeta1, float(adam_t_)), c2 = 1.0f - std::pow(kBeta2, float(adam_t_));
      std::vector<mx::array> in(state.begin(), state.begin() + 3);
      for (const auto& b : shuffled) {
        mx::Shape start(b.ndim(), 0), stop = b.shape();
        start[0] = m * mb, stop[0] = (m + 1) * mb;
        in.push_back(mx::slice(b, start, stop));
      }
      in.insert(in.end(), {state[3], mx::array(c1), mx::array(c2)});
      in.insert(in.end(), state.begin() + 4, state.end());
      state = step_fn_(in);
      // Scheduled, not waited for: the host builds the next step while this one runs.
      detail::ppo_eval(state, /*blocking=*/false);
    }
  }
  also.insert(also.end(), state.begin(), state.end());
  detail::ppo_eval(also);
  for (std::size_t i = 0; i < layout.names.size(); ++i) {
    params_.at(layout.names[i]) = layout.view(state[0], int(i));
    adam_m_.at(layout.names[i]) = layout.view(state[1], int(i));
    adam_v_.at(layout.names[i]) = layout.view(state[2], int(i));
  }
  lr_ = state[3].item<float>();
  const int count = config_.epochs * config_.minibatches;
  stats.policy_loss = state[4].item<float>() / count, stats.value_loss = state[5].item<float>() / count;
  stats.entropy = state[6].item<float>() / count, stats.kl = state[7].item<float>() / count;
}

}  // namespace robomlx::sim
