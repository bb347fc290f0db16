// SPDX-License-Identifier: Apache-2.0
// The training step. Gradients come from one value_and_grad over the five raw parameter arrays
// and the screen offsets (whose gradient is the densification statistic); the activations are
// inside the differentiated function, so Adam sees gradients of the raw values.
#include "robomlx/splat/splat_train.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/splat/splat_image_metrics.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.train";

// splitmix64: spreads (seed, step, purpose) over 64 bits so nearby steps get unrelated keys.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

enum Purpose { kViewOrder = 1, kBackground = 2, kSplit = 3 };
}  // namespace

mx::array train_key(std::uint64_t seed, long step, int purpose) {
  return mx::random::key(mix(mix(mix(seed) ^ static_cast<std::uint64_t>(step)) ^ static_cast<std::uint64_t>(purpose)));
}

Trainer::Trainer(TrainData data, const TrainOptions& options, GaussianScene initial, mx::StreamOrDevice s)
    : data_(std::move(data)), options_(options), stream_(op_stream(s)), scene_(std::move(initial)), adam_(scene_, {}, stream_) {
  options_.validate();
  scene_.validate();
  if (scene_.sh_degree != options_.sh_degree)
    fail_argument(kTag, "the initial scene has SH degree " + std::to_string(scene_.sh_degree) + ", options ask for " +
                            std::to_string(options_.sh_degree));
  if (data_.train.empty()) fail_argument(kTag, "no training views");
  if (scene_.size() == 0) fail_argument(kTag, "the initial scene has no Gaussians");
  stats_ = DensifyStats::zeros(scene_.size(), stream_);
}

int Trainer::active_sh_degree(long step) const {
  return static_cast<int>(std::min<long>(options_.sh_degree, step / options_.sh_degree_every));
}

// Pass p visits every training view once, in a permutation drawn from (seed, p): Fisher-Yates on
// the host with MLX's counter-based generator, so the order is the same on every platform.
const TrainView& Trainer::view_for_sample(long k) {
  const long n = static_cast<long>(data_.train.size());
  const long pass = k / n;
  if (pass != order_pass_) {
    auto u = mx::random::uniform({static_cast<int>(n)}, mx::float32, train_key(options_.seed, pass, kViewOrder),
                                 mx::Device::cpu);
    mx::eval(u);
    order_.resize(n);
    for (long i = 0; i < n; ++i) order_[i] = static_cast<int>(i);
    for (long i = n - 1; i > 0; --i) {
      const long j = std::min(i, static_cast<long>(u.data<float>()[i] * static_cast<float>(i + 1)));
      std::swap(order_[i], order_[j]);
    }
    order_pass_ = pass;
  }
  return data_.train[order_[k % n]];
}

std::array<float, 3> Trainer::background_for(long step) const {
  if (!options_.random_background) return options_.background;
  auto u = mx::random::uniform({3}, mx::float32, train_key(options_.seed, step, kBackground), mx::Device::cpu);
  mx::eval(u);
  return {u.data<float>()[0], u.data<float>()[1], u.data<float>()[2]};
}

GaussianLearningRates Trainer::rates_for(long step) const {
  GaussianLearningRates r;
  r.means = static_cast<float>(exponential_lr(options_.position_lr_init * data_.extent,
                                              options_.position_lr_final * data_.extent, step,
                                              options_.position_lr_steps));
  r.log_scales = options_.scaling_lr;
  r.rotations = options_.rotation_lr;
  r.opacity_logits = options_.opacity_lr;
  r.sh_dc = options_.feature_lr;
  r.sh_rest = options_.feature_rest_lr;
  return r;
}

RasterOutput Trainer::render(const Camera& camera, std::array<float, 3> background) {
  const RasterSettings rs = RasterSettings::from_camera(camera, active_sh_degree(std::max(step_, 1L)), background);
  RasterInputs in{scene_.means, activated_scales(scene_, stream_), normalized_rotations(scene_, stream_),
                  activated_opacities(scene_, stream_), scene_.sh, std::nullopt};
  return rasterize(in, rs, stream_);
}

StepStats Trainer::step() {
  const long t = step_ + 1;
  const mx::Stream s = stream_;
  StepStats out;
  out.step = t;
  if (step_ > 0) densify_after(step_, out);
  const int batch = options_.views_per_step;
  const auto [first, last] = shard_range(batch, group_.rank(), group_.size());
  const auto background = background_for(t);
  const float lambda = options_.lambda_dssim;
  const int sh_degree = scene_.sh_degree;
  const bool densifying = t < options_.densify_until;
  // This rank's sums over its views: the five parameter gradients, then loss, L1 and PSNR.
  std::vector<mx::array> sums;
  DensifyStats delta = DensifyStats::zeros(scene_.size(), s);  // the statistics' increment
  for (int i = first; i < last; ++i) {
    const TrainView& view = view_for_sample((t - 1) * batch + i);
    const RasterSettings rs = RasterSettings::from_camera(view.camera, active_sh_degree(t), background);
    mx::array image = view.image, radii = mx::array(0);
    auto loss_fn = [&](const std::vector<mx::array>& p) {
      GaussianScene g;
      g.means = p[0], g.log_scales = p[1], g.rotations = p[2], g.opacity_logits = p[3], g.sh = p[4];
      g.sh_degree = sh_degree;
      RasterInputs in{g.means, activated_scales(g, s), normalized_rotations(g, s), activated_opacities(g, s), g.sh, p[5]};
      auto out = rasterize(in, rs, s);
      image = out.color;
      radii = out.radii;
      auto l1 = mx::mean(mx::abs(mx::subtract(out.color, view.image, s), s), false, s);
      auto dssim = mx::subtract(mx::array(1.0f), ssim(out.color, view.image, s), s);
      auto loss = mx::add(mx::multiply(mx::array(1 - lambda), l1, s), mx::multiply(mx::array(lambda), dssim, s), s);
      return std::vector<mx::array>{loss, l1};
    };
    const std::vector<mx::array> primals = {scene_.means,          scene_.log_scales, scene_.rotations,
                                            scene_.opacity_logits, scene_.sh,         mx::zeros({scene_.size(), 2}, mx::float32, s)};
    auto [values, grads] = mx::value_and_grad(loss_fn, std::vector<int>{0, 1, 2, 3, 4, 5})(primals);
    if (densifying) {
      const auto scale = screen_gradient_scale(rs);
      accumulate_densify_stats(delta, mx::multiply(grads[5], mx::array({scale[0], scale[1]}, {1, 2}), s), radii, s);
    }
    const auto view_psnr = psnr(mx::clip(image, mx::array(0.0f), mx::array(1.0f), s), view.image, s);
    std::vector<mx::array> now = {grads[0], grads[1], grads[2], grads[3], grads[4], values[0], values[1], view_psnr};
    if (sums.empty()) {
      sums = now;  // the first view's as they are: B = 1 on one rank stays the original trainer, bitwise
    } else {
      for (size_t j = 0; j < now.size(); ++j) sums[j] = mx::add(sums[j], now[j], s);
    }
    if (last - first > 1) {  // bound memory by one view's graph
      mx::eval(sums);
      mx::eval({delta.grad_accum, delta.count, delta.max_radii});
    }
  }
  if (sums.empty()) {  // more ranks than views in the step: this one contributes nothing
    for (const auto* a : {&scene_.means, &scene_.log_scales, &scene_.rotations, &scene_.opacity_logits, &scene_.sh})
      sums.push_back(mx::zeros_like(*a, s));
    for (int j = 0; j < 3; ++j) sums.push_back(mx::array(0.0f));
  }
  if (group_.size() > 1) {  // one all_sum for gradients, losses and counts; radii need a maximum
    sums.push_back(delta.grad_accum);
    sums.push_back(delta.count);
    sums = group_.all_sum(sums);
    delta.count = sums.back(), sums.pop_back();
    delta.grad_accum = sums.back(), sums.pop_back();
    delta.max_radii = group_.all_max(delta.max_radii);
  }
  if (batch > 1) {
    const mx::array inv(1.0f / static_cast<float>(batch));
    for (auto& x : sums) x = mx::multiply(x, inv, s);
  }
  GaussianScene g;
  g.means = sums[0], g.log_scales = sums[1], g.rotations = sums[2], g.opacity_logits = sums[3], g.sh = sums[4];
  g.sh_degree = sh_degree;
  adam_.step(scene_, g, rates_for(t), s);
  if (densifying) {
    stats_.grad_accum = mx::add(stats_.grad_accum, delta.grad_accum, s);
    stats_.count = mx::add(stats_.count, delta.count, s);
    stats_.max_radii = mx::maximum(stats_.max_radii, delta.max_radii, s);
  }
  step_ = t;
  std::vector<mx::array> all = {sums[5], sums[6], sums[7], stats_.grad_accum, stats_.count, stats_.max_radii};
  for (const GaussianScene* set : {&std::as_const(scene_), &adam_.first_moments(), &adam_.second_moments()})
    all.insert(all.end(), {set->means, set->log_scales, set->rotations, set->opacity_logits, set->sh});
  mx::eval(all);
  out.loss = sums[5].item<float>();
  out.l1 = sums[6].item<float>();
  out.psnr = sums[7].item<float>();
  out.gaussians = scene_.size();
  if (!std::isfinite(out.loss))
    throw std::runtime_error("[splat.train] the loss is not finite at step " + std::to_string(t) +
                             " (diverged: lower the learning rates)");
  return out;
}

void Trainer::check_replicated() const {
  std::vector<mx::array> all = {stats_.grad_accum, stats_.count, stats_.max_radii,
                                mx::array(static_cast<float>(step_))};
  for (const GaussianScene* set : {&scene_, &adam_.first_moments(), &adam_.second_moments()})
    all.insert(all.end(), {set->means, set->log_scales, set->rotations, set->opacity_logits, set->sh});
  group_.check_replicated(all, "the training state (scene, Adam moments, densification statistics)");
}

void Trainer::densify_after(long t, StepStats& out) {
  if (t >= options_.densify_until) return;
  if (t > options_.densify_from && t % options_.densify_every == 0) {
    DensifySettings d = options_.densify;
    d.prune_large = t > options_.opacity_reset_every;
    out.densified = densify_and_prune(scene_, adam_, stats_, d, data_.extent, train_key(options_.seed, t, kSplit),
                                      stream_);
    if (scene_.size() == 0)
      throw std::runtime_error("[splat.train] every Gaussian was pruned at step " + std::to_string(t) +
                               " (check the capture's poses and images)");
  }
  const bool white = !options_.random_background && options_.background == std::array<float, 3>{1, 1, 1};
  if (t % options_.opacity_reset_every == 0 || (white && t == options_.densify_from)) {
    reset_opacity(scene_, adam_, 0.01f, stream_);
    out.opacity_reset = true;
  }
}

}  // namespace robomlx::splat
