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
const TrainView& Trainer::view_for(long step) {
  const long n = static_cast<long>(data_.train.size());
  const long pass = (step - 1) / n;
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
  return data_.train[order_[(step - 1) % n]];
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
  const TrainView& view = view_for(t);
  const RasterSettings rs = RasterSettings::from_camera(view.camera, active_sh_degree(t), background_for(t));
  const float lambda = options_.lambda_dssim;
  const int sh_degree = scene_.sh_degree;
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

  GaussianScene g;
  g.means = grads[0], g.log_scales = grads[1], g.rotations = grads[2], g.opacity_logits = grads[3], g.sh = grads[4];
  g.sh_degree = sh_degree;
  adam_.step(scene_, g, rates_for(t), s);
  if (t < options_.densify_until) {
    const auto scale = screen_gradient_scale(rs);
    accumulate_densify_stats(stats_, mx::multiply(grads[5], mx::array({scale[0], scale[1]}, {1, 2}), s), radii, s);
  }
  const auto train_psnr = psnr(mx::clip(image, mx::array(0.0f), mx::array(1.0f), s), view.image, s);
  step_ = t;
  std::vector<mx::array> all = {values[0], values[1], train_psnr, stats_.grad_accum, stats_.count, stats_.max_radii};
  for (const GaussianScene* set : {&std::as_const(scene_), &adam_.first_moments(), &adam_.second_moments()})
    all.insert(all.end(), {set->means, set->log_scales, set->rotations, set->opacity_logits, set->sh});
  mx::eval(all);
  out.loss = values[0].item<float>();
  out.l1 = values[1].item<float>();
  out.psnr = train_psnr.item<float>();
  out.gaussians = scene_.size();
  if (!std::isfinite(out.loss))
    throw std::runtime_error("[splat.train] the loss is not finite at step " + std::to_string(t) +
                             " (diverged: lower the learning rates)");
  return out;
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
