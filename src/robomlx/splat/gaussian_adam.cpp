// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/gaussian_adam.h"

#include <cmath>
#include <utility>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.adam";

// The five parameter arrays of a scene, in one order for every loop here.
constexpr const char* kNames[] = {"means", "log_scales", "rotations", "opacity_logits", "sh"};
std::vector<mx::array*> fields(GaussianScene& g) {
  return {&g.means, &g.log_scales, &g.rotations, &g.opacity_logits, &g.sh};
}
std::vector<const mx::array*> fields(const GaussianScene& g) {
  return {&g.means, &g.log_scales, &g.rotations, &g.opacity_logits, &g.sh};
}

GaussianScene zeros_like(const GaussianScene& like, mx::StreamOrDevice s) {
  GaussianScene z;
  z.sh_degree = like.sh_degree;
  auto out = fields(z);
  auto in = fields(like);
  for (std::size_t i = 0; i < out.size(); ++i) *out[i] = mx::zeros_like(*in[i], s);
  return z;
}
}  // namespace

double exponential_lr(double lr_init, double lr_final, long step, long max_steps) {
  check_range(kTag, "lr_init", lr_init, 1e-30, 1e30);
  check_range(kTag, "lr_final", lr_final, 1e-30, 1e30);
  check_range(kTag, "max_steps", static_cast<double>(max_steps), 1, 1e15);
  double f = static_cast<double>(step) / static_cast<double>(max_steps);
  f = f < 0 ? 0 : (f > 1 ? 1 : f);
  return std::exp((1 - f) * std::log(lr_init) + f * std::log(lr_final));
}

void AdamSettings::validate() const {
  check_range(kTag, "beta1", beta1, 0, 0.999999);
  check_range(kTag, "beta2", beta2, 0, 0.999999999);
  check_range(kTag, "eps", eps, 0, 1);
}

AdamUpdate adam_update(const mx::array& param, const mx::array& grad, const mx::array& m, const mx::array& v,
                       const mx::array& lr, long step, const AdamSettings& st, mx::StreamOrDevice so) {
  if (step < 1) fail_argument(kTag, "step must be >= 1, got " + std::to_string(step));
  if (grad.shape() != param.shape() || m.shape() != param.shape() || v.shape() != param.shape())
    fail_argument(kTag, "grad and moments must have the parameter's shape " + shape_string(param.shape()));
  const mx::Stream s = op_stream(so);
  choose_impl(kTag, s, ImplSet{});
  const float b1 = st.beta1, b2 = st.beta2;
  // Bias corrections in double: b2^t for t in the tens of thousands loses digits in float.
  const auto c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(b1), static_cast<double>(step)));
  const auto c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(b2), static_cast<double>(step)));
  auto m1 = mx::add(mx::multiply(mx::array(b1), m, s), mx::multiply(mx::array(1 - b1), grad, s), s);
  auto v1 = mx::add(mx::multiply(mx::array(b2), v, s), mx::multiply(mx::array(1 - b2), mx::square(grad, s), s), s);
  auto denom = mx::add(mx::sqrt(mx::divide(v1, mx::array(c2), s), s), mx::array(st.eps), s);
  auto delta = mx::multiply(mx::divide(lr, mx::array(c1), s), mx::divide(m1, denom, s), s);
  return {mx::subtract(param, delta, s), m1, v1};
}

GaussianAdam::GaussianAdam(const GaussianScene& like, AdamSettings settings, mx::StreamOrDevice s)
    : settings_(settings), m_(zeros_like(like, s)), v_(zeros_like(like, s)) {
  settings_.validate();
}

void GaussianAdam::step(GaussianScene& scene, const GaussianScene& grads, const GaussianLearningRates& lrs,
                        mx::StreamOrDevice so) {
  const mx::Stream s = op_stream(so);
  if (scene.size() != m_.size() || grads.size() != scene.size() || scene.sh.shape() != m_.sh.shape())
    fail_argument(kTag, "scene, gradients and moments must describe the same Gaussians (" +
                            std::to_string(scene.size()) + ", " + std::to_string(grads.size()) + ", " +
                            std::to_string(m_.size()) + ")");
  ++steps_;
  // The colour (SH coefficient 0) and the view-dependent coefficients learn at different rates.
  const int coeffs = scene.sh.shape(1);
  std::vector<float> sh_lr(coeffs, lrs.sh_rest);
  sh_lr[0] = lrs.sh_dc;
  const std::vector<mx::array> rates = {mx::array(lrs.means), mx::array(lrs.log_scales), mx::array(lrs.rotations),
                                        mx::array(lrs.opacity_logits), mx::array(sh_lr.data(), {1, coeffs, 1})};
  auto p = fields(scene);
  auto g = fields(grads);
  auto m = fields(m_);
  auto v = fields(v_);
  for (std::size_t i = 0; i < p.size(); ++i) {
    auto u = adam_update(*p[i], *g[i], *m[i], *v[i], rates[i], steps_, settings_, s);
    *p[i] = u.param;
    *m[i] = u.m;
    *v[i] = u.v;
  }
}

void GaussianAdam::select(const mx::array& rows, mx::StreamOrDevice s) {
  m_ = select_gaussians(m_, rows, s);
  v_ = select_gaussians(v_, rows, s);
}

void GaussianAdam::append_zeros(int count, mx::StreamOrDevice s) {
  if (count <= 0) return;
  GaussianScene z;
  z.sh_degree = m_.sh_degree;
  auto out = fields(z);
  auto in = fields(std::as_const(m_));
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto shape = in[i]->shape();
    shape[0] = count;
    *out[i] = mx::zeros(shape, mx::float32, s);
  }
  m_ = concatenate_gaussians(m_, z, s);
  v_ = concatenate_gaussians(v_, z, s);
}

void GaussianAdam::reset_opacity_moments(mx::StreamOrDevice s) {
  m_.opacity_logits = mx::zeros_like(m_.opacity_logits, s);
  v_.opacity_logits = mx::zeros_like(v_.opacity_logits, s);
}

std::unordered_map<std::string, mx::array> GaussianAdam::state() const {
  std::unordered_map<std::string, mx::array> out;
  auto m = fields(m_);
  auto v = fields(v_);
  for (std::size_t i = 0; i < m.size(); ++i) {
    out.emplace(std::string("m.") + kNames[i], *m[i]);
    out.emplace(std::string("v.") + kNames[i], *v[i]);
  }
  return out;
}

void GaussianAdam::restore(const std::unordered_map<std::string, mx::array>& state, long steps,
                           const GaussianScene& like) {
  if (steps < 0) fail_argument(kTag, "steps must be >= 0, got " + std::to_string(steps));
  GaussianScene m = zeros_like(like, {}), v = zeros_like(like, {});
  auto mf = fields(m), vf = fields(v);
  auto lf = fields(like);
  for (std::size_t i = 0; i < mf.size(); ++i) {
    for (auto [prefix, target] : {std::pair{"m.", mf[i]}, std::pair{"v.", vf[i]}}) {
      const std::string name = std::string(prefix) + kNames[i];
      auto it = state.find(name);
      if (it == state.end()) fail_argument(kTag, "optimizer state has no array '" + name + "'");
      if (it->second.shape() != lf[i]->shape() || it->second.dtype() != mx::float32)
        fail_argument(kTag, "optimizer array '" + name + "' must be float32 " + shape_string(lf[i]->shape()) +
                                ", got " + dtype_name(it->second.dtype()) + " " + shape_string(it->second.shape()));
      *target = it->second;
    }
  }
  m_ = std::move(m);
  v_ = std::move(v);
  steps_ = steps;
}

}  // namespace robomlx::splat
