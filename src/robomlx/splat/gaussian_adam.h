// SPDX-License-Identifier: Apache-2.0
// splat.adam: the optimiser of Gaussian-splatting training (the 3DGS paper's setup): Adam over a
// GaussianScene's raw parameters with one learning rate per parameter group, and the position
// learning rate's exponential decay.
//
// Adam (Kingma & Ba 2015), per element, at step t >= 1 (the count of steps taken, this one
// included), with gradient g:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// b1 0.9, b2 0.999 and eps 1e-15 (the 3DGS trainer's eps: far below float32 gradients, so it only
// guards 0 / 0 for Gaussians that never receive a gradient).
// The step count t is one per optimiser, not per Gaussian: Gaussians added by densification
// start with zero moments and the optimiser's t, as the 3DGS trainer's optimiser does.
#pragma once

#include <string>
#include <unordered_map>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/splat/gaussian_scene.h"

namespace robomlx::splat {

/// exp((1 - f) log(lr_init) + f log(lr_final)) with f = clamp(step / max_steps, 0, 1): log-linear
/// from lr_init at step 0 to lr_final at max_steps, constant after. Both rates > 0, max_steps >= 1
/// (std::invalid_argument "[splat.adam] ..." otherwise).
double exponential_lr(double lr_init, double lr_final, long step, long max_steps);

/// Learning rates of one step, per parameter group (the 3DGS defaults but for the means, whose rate
/// is scheduled by the trainer). SH coefficient 0 (the colour) and the higher coefficients have
/// their own rates.
struct GaussianLearningRates {
  float means = 1.6e-4f;
  float log_scales = 5e-3f;
  float rotations = 1e-3f;
  float opacity_logits = 0.025f;
  float sh_dc = 2.5e-3f;
  float sh_rest = 2.5e-3f / 20;
};

struct AdamSettings {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-15f;
  /// Throws std::invalid_argument "[splat.adam] ..." unless 0 <= betas < 1 and eps >= 0.
  void validate() const;
};

struct AdamUpdate {
  mx::array param, m, v;
};

/// One Adam step of one array (`lr` broadcasts against it; `step` = t >= 1). Lazy MLX ops.
AdamUpdate adam_update(const mx::array& param, const mx::array& grad, const mx::array& m, const mx::array& v,
                       const mx::array& lr, long step, const AdamSettings& settings, mx::StreamOrDevice s = {});

/// Adam state for a GaussianScene: the moments are scenes of the same shapes, so pruning,
/// copying and appending Gaussians applies to them with select_gaussians / concatenate_gaussians.
class GaussianAdam {
 public:
  /// Zero moments shaped like `like`, built on `s`.
  explicit GaussianAdam(const GaussianScene& like, AdamSettings settings = {}, mx::StreamOrDevice s = {});

  /// Updates every parameter of `scene` from `grads` (same shapes) and counts the step.
  void step(GaussianScene& scene, const GaussianScene& grads, const GaussianLearningRates& lrs,
            mx::StreamOrDevice s = {});

  /// Keeps the moments of `rows` (the Gaussians a trainer keeps, in its new order).
  void select(const mx::array& rows, mx::StreamOrDevice s = {});
  /// Appends zero moments for `count` new Gaussians.
  void append_zeros(int count, mx::StreamOrDevice s = {});
  /// Zeroes the opacity moments (after an opacity reset: old moments would undo it).
  void reset_opacity_moments(mx::StreamOrDevice s = {});

  long steps() const { return steps_; }
  int size() const { return m_.size(); }
  const GaussianScene& first_moments() const { return m_; }
  const GaussianScene& second_moments() const { return v_; }
  const AdamSettings& settings() const { return settings_; }

  /// The moments as named arrays ("m.means", "v.sh", ...) for a checkpoint, and back: restore
  /// checks every name and shape against `like` (std::invalid_argument naming the array).
  std::unordered_map<std::string, mx::array> state() const;
  void restore(const std::unordered_map<std::string, mx::array>& state, long steps, const GaussianScene& like);

 private:
  AdamSettings settings_;
  GaussianScene m_, v_;
  long steps_ = 0;
};

}  // namespace robomlx::splat
