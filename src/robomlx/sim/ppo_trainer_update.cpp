// SPDX-License-Identifier: Apache-2.0
// The PPO update: `epochs` shuffled passes of `minibatches` steps, each a compiled value_and_grad of
// the loss, global-norm clipping and Adam (Kingma & Ba, bias-corrected); the KL-adaptive schedule
// adjusts the rate after every minibatch as rl_games does (x1.5 / /1.5 around the target).
#include <algorithm>
#include <cmath>

#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/sim/ppo_trainer.h"
#include "robomlx/sim/ppo_trainer_internal.h"

namespace robomlx::sim {

void PpoTrainer::update(const std::vector<mx::array>& batch, PpoStats& stats) {
  const int P = int(params_.size()), layers = int(config_.hidden.size()) + 1;
  std::vector<std::string> names;
  for (const auto& [name, a] : params_) names.push_back(name);
  if (!grad_fn_) {
    const float clip = float(config_.clip), vc = float(config_.value_coef), ec = float(config_.entropy_coef);
    auto loss_fn = [names, layers, clip, vc, ec, P](const std::vector<mx::array>& in) -> std::vector<mx::array> {
      ParamMap p;
      for (int i = 0; i < P; ++i) p.insert_or_assign(names[i], in[i]);
      detail::PpoBatch b{in[P], in[P + 1], in[P + 2], in[P + 3], in[P + 4], in[P + 5]};
      auto l = detail::ppo_loss(p, layers, b, clip, vc, ec);
      return {l.loss, l.policy_loss, l.value_loss, l.entropy, l.kl};
    };
    std::vector<int> argnums(P);
    for (int i = 0; i < P; ++i) argnums[i] = i;
    // compile takes vector -> vector: values and gradients travel as one list (5 values first).
    auto vg = mx::value_and_grad(loss_fn, argnums);
    auto fused = mx::compile([vg](const std::vector<mx::array>& in) {
      auto [vals, grads] = vg(in);
      vals.insert(vals.end(), grads.begin(), grads.end());
      return vals;
    });
    grad_fn_ = [fused](const std::vector<mx::array>& in) {
      auto all = fused(in);
      return std::make_pair(std::vector<mx::array>(all.begin(), all.begin() + 5),
                            std::vector<mx::array>(all.begin() + 5, all.end()));
    };
  }
  if (config_.lr_schedule == "linear" && config_.total_iterations > 0)
    lr_ = config_.learning_rate * std::max(0.0, 1.0 - double(iteration_) / double(config_.total_iterations));
  const int total = batch[0].shape(0), mb = total / config_.minibatches;
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  double sum_pl = 0, sum_vl = 0, sum_ent = 0, sum_kl = 0;
  int count = 0;
  for (int e = 0; e < config_.epochs; ++e) {
    auto pair = mx::random::split(key_);
    key_ = pair.first;
    auto perm = mx::random::permutation(total, pair.second);
    for (int m = 0; m < config_.minibatches; ++m) {
      auto idx = mx::slice(perm, {m * mb}, {(m + 1) * mb});
      std::vector<mx::array> in;
      for (const auto& [name, a] : params_) in.push_back(a);
      for (const auto& b : batch) in.push_back(mx::take(b, idx, 0));
      auto [vals, grads] = grad_fn_(in);
      auto sq = mx::array(0.0f);
      for (const auto& g : grads) sq = sq + mx::sum(mx::square(g));
      auto factor = mx::minimum(mx::array(1.0f), float(config_.max_grad_norm) / (mx::sqrt(sq) + 1e-6f));
      ++adam_t_;
      const float c1 = 1.0f - std::pow(b1, float(adam_t_)), c2 = 1.0f - std::pow(b2, float(adam_t_));
      std::vector<mx::array> touched;
      for (int i = 0; i < P; ++i) {
        auto g = grads[i] * factor;
        auto& m1 = adam_m_.at(names[i]);
        auto& m2 = adam_v_.at(names[i]);
        m1 = b1 * m1 + (1.0f - b1) * g;
        m2 = b2 * m2 + (1.0f - b2) * g * g;
        auto& p = params_.at(names[i]);
        p = p - float(lr_) * (m1 / c1) / (mx::sqrt(m2 / c2) + eps);
        touched.insert(touched.end(), {m1, m2, p});
      }
      touched.insert(touched.end(), vals.begin(), vals.end());
      detail::ppo_eval(touched);
      const double kl = vals[4].item<float>();
      sum_pl += vals[1].item<float>(), sum_vl += vals[2].item<float>(), sum_ent += vals[3].item<float>(), sum_kl += kl;
      ++count;
      if (config_.lr_schedule == "adaptive") {
        if (kl > 2.0 * config_.kl_target) lr_ = std::max(lr_ / 1.5, 1e-6);
        else if (kl < 0.5 * config_.kl_target) lr_ = std::min(lr_ * 1.5, 1e-2);
      }
    }
  }
  stats.policy_loss = sum_pl / count, stats.value_loss = sum_vl / count;
  stats.entropy = sum_ent / count, stats.kl = sum_kl / count;
}

}  // namespace robomlx::sim
