// SPDX-License-Identifier: Apache-2.0
// A 3D Gaussian-splatting scene in the parameterisation the optimiser works on (graphdeco's
// GaussianModel): raw, pre-activation values, exactly as the standard PLY layout stores them.
//
//   means           [N, 3] float32  world positions
//   log_scales      [N, 3] float32  log of the per-axis standard deviations (activate: exp)
//   rotations       [N, 4] float32  quaternion (w, x, y, z), w first, NOT normalised (activate: normalise)
//   opacity_logits  [N, 1] float32  logit of the opacity (activate: sigmoid)
//   sh              [N, M, 3] float32, M = (sh_degree + 1)^2: spherical-harmonic coefficients,
//                   coefficient-major with RGB innermost (sh[i, k, c]), as graphdeco's rasterizer
//                   takes `shs`; k = 0 is the DC term (f_dc_*), k >= 1 come from f_rest_*.
//
// The activated views below are what a rasterizer takes (graphdeco moved all activations out of
// its kernel); they are plain MLX ops, so gradients flow back to the raw parameters.
#pragma once

#include <mlx/array.h>
#include <mlx/ops.h>

namespace robomlx::splat {

namespace mx = mlx::core;

/// (degree + 1)^2 coefficients per channel; degree must be in [0, 3].
int sh_coefficient_count(int degree);

struct GaussianScene {
  mx::array means = mx::zeros({0, 3}, mx::float32);
  mx::array log_scales = mx::zeros({0, 3}, mx::float32);
  mx::array rotations = mx::zeros({0, 4}, mx::float32);
  mx::array opacity_logits = mx::zeros({0, 1}, mx::float32);
  mx::array sh = mx::zeros({0, 1, 3}, mx::float32);
  int sh_degree = 0;

  int size() const { return means.ndim() == 2 ? means.shape(0) : 0; }
  /// Throws std::invalid_argument "[splat.scene] ..." unless every array is float32 with the
  /// shapes above, the same N, and sh has (sh_degree + 1)^2 coefficients.
  void validate() const;
};

/// exp(log_scales): [N, 3] standard deviations along the Gaussian's local axes.
mx::array activated_scales(const GaussianScene& scene, mx::StreamOrDevice s = {});
/// rotations / max(|rotations|, 1e-12): [N, 4] unit quaternions (w first), as torch's
/// F.normalize does for graphdeco.
mx::array normalized_rotations(const GaussianScene& scene, mx::StreamOrDevice s = {});
/// sigmoid(opacity_logits): [N, 1] in (0, 1).
mx::array activated_opacities(const GaussianScene& scene, mx::StreamOrDevice s = {});

/// The Gaussians at `rows` (int32 [K], any order, repeats allowed) of every array, in that order:
/// how a trainer prunes, reorders and copies Gaussians (and its optimiser state, kept as scenes).
GaussianScene select_gaussians(const GaussianScene& scene, const mx::array& rows, mx::StreamOrDevice s = {});
/// `a`'s Gaussians followed by `b`'s; both must have the same sh_degree.
GaussianScene concatenate_gaussians(const GaussianScene& a, const GaussianScene& b, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
