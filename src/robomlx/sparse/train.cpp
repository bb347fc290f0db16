// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/train.h"

#include <chrono>
#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.train";
}

void AdamOptions::validate() const {
  check_range(kTag, "learning_rate", learning_rate, 0, 10);
  check_range(kTag, "beta1", beta1, 0, 0.999999);
  check_range(kTag, "beta2", beta2, 0, 0.999999999);
  check_range(kTag, "eps", eps, 0, 1);
}

Adam::Adam(AdamOptions options) : options_(options) { options_.validate(); }

std::vector<mx::array> Adam::step(const std::vector<mx::array>& params, const std::vector<mx::array>& grads) {
  if (params.size() != grads.size()) {
    fail_argument(kTag, "grads must match params (" + std::to_string(params.size()) + "), got " +
                            std::to_string(grads.size()));
  }
  if (m_.empty()) {
    for (const auto& p : params) {
      m_.push_back(mx::zeros_like(p));
      v_.push_back(mx::zeros_like(p));
    }
  }
  ++t_;
  const auto& o = options_;
  float c1 = 1.0f - std::pow(o.beta1, static_cast<float>(t_));
  float c2 = 1.0f - std::pow(o.beta2, static_cast<float>(t_));
  std::vector<mx::array> out;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& g = grads[i];
    m_[i] = mx::add(mx::multiply(mx::array(o.beta1), m_[i]), mx::multiply(mx::array(1 - o.beta1), g));
    v_[i] = mx::add(mx::multiply(mx::array(o.beta2), v_[i]), mx::multiply(mx::array(1 - o.beta2), mx::square(g)));
    auto mhat = mx::divide(m_[i], mx::array(c1));
    auto vhat = mx::divide(v_[i], mx::array(c2));
    auto delta = mx::divide(mx::multiply(mx::array(o.learning_rate), mhat), mx::add(mx::sqrt(vhat), mx::array(o.eps)));
    out.push_back(mx::subtract(params[i], delta));
  }
  return out;
}

std::vector<mx::array> Adam::state() const {
  std::vector<mx::array> s = m_;
  s.insert(s.end(), v_.begin(), v_.end());
  return s;
}

void TrainOptions::validate() const {
  check_range(kTag, "steps", steps, 1, 1e9);
  check_range(kTag, "batch", batch, 1, 1 << 16);
  check_range(kTag, "points", points, 16, 1 << 22);
  check_range(kTag, "learning_rate", learning_rate, 1e-9, 10);
}

ShapeBatch take_samples(const ShapeBatch& b, int first, int last) {
  const int p = b.num_samples > 0 ? b.points.shape(0) / b.num_samples : 0;
  return ShapeBatch{mx::slice(b.points, {first * p, 0}, {last * p, 3}),
                    mx::subtract(mx::slice(b.batch, {first * p}, {last * p}), mx::array(first, mx::int32)),
                    mx::slice(b.features, {first * p, 0}, {last * p, b.features.shape(1)}),
                    mx::slice(b.labels, {first}, {last}), last - first};
}

TrainSummary train_shape_classifier(const TrainOptions& options, const BackboneConfig& config,
                                    const std::function<void(const StepStats&)>& on_step, const DistGroup& group) {
  options.validate();
  if (options.batch < group.size())
    fail_argument(kTag, "batch " + std::to_string(options.batch) + " is smaller than the " +
                            std::to_string(group.size()) + " ranks");
  const auto [first, last] = shard_range(options.batch, group.rank(), group.size());
  const bool split = group.size() > 1;
  // This rank's share of the batch mean: the ranks' sum is the mean over the whole batch.
  const mx::array share(static_cast<float>(last - first) / static_cast<float>(options.batch));
  if (config.num_classes != kNumShapes || config.in_channels != 4) {
    fail_argument(kTag, "the shape task needs in_channels = 4 and num_classes = 4");
  }
  auto net = Backbone::create(config, options.seed);
  std::mt19937 rng(static_cast<uint32_t>(options.seed * 2654435761u + 17));
  Adam adam(AdamOptions{options.learning_rate});
  TrainSummary summary;
  for (const auto& p : net.params) summary.num_parameters += p.size();
  auto params = net.params;
  auto start = std::chrono::steady_clock::now();
  for (int step = 1; step <= options.steps; ++step) {
    auto t0 = std::chrono::steady_clock::now();
    auto data = make_shape_batch(options.batch, options.points, rng, options.full_rotation);
    if (split) data = take_samples(data, first, last);
    auto geo = build_backbone_geometry(data.points, data.batch, data.num_samples, config);
    auto loss_fn = [&](const std::vector<mx::array>& ps) {
      auto logits = net.forward(ps, data.features, geo);
      auto loss = cross_entropy(logits, data.labels);
      return std::vector<mx::array>{split ? mx::multiply(loss, share) : loss, logits};
    };
    std::vector<int> argnums(params.size());
    for (size_t i = 0; i < argnums.size(); ++i) argnums[i] = static_cast<int>(i);
    auto [values, grads] = mx::value_and_grad(loss_fn, argnums)(params);
    auto correct = mx::mean(mx::astype(mx::equal(mx::argmax(values[1], 1), mx::astype(data.labels, mx::uint32)),
                                       mx::float32));
    if (split) {  // one all_sum: gradients, loss and accuracy
      auto all = grads;
      all.push_back(values[0]);
      all.push_back(mx::multiply(correct, share));
      all = group.all_sum(all);
      correct = all.back(), all.pop_back();
      values[0] = all.back(), all.pop_back();
      grads = all;
    }
    params = adam.step(params, grads);
    std::vector<mx::array> to_eval = params;
    auto state = adam.state();
    to_eval.insert(to_eval.end(), state.begin(), state.end());
    to_eval.push_back(values[0]);
    to_eval.push_back(correct);
    mx::eval(to_eval);
    StepStats st{step, values[0].item<float>(), correct.item<float>(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
    summary.history.push_back(st);
    if (on_step) on_step(st);
  }
  summary.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto state = adam.state();
  state.insert(state.end(), params.begin(), params.end());
  group.check_replicated(state, "the backbone's parameters and Adam moments");
  summary.params = params;
  return summary;
}

}  // namespace robomlx::sparse
