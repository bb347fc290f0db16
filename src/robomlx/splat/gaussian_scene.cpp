// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/gaussian_scene.h"

#include <string>

#include "robomlx/core/check.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.scene";
}

int sh_coefficient_count(int degree) {
  check_range(kTag, "sh_degree", degree, 0, 3);
  return (degree + 1) * (degree + 1);
}

void GaussianScene::validate() const {
  const int m = sh_coefficient_count(sh_degree);
  check_shape(kTag, "means", means, {-1, 3});
  const int n = means.shape(0);
  check_shape(kTag, "log_scales", log_scales, {n, 3});
  check_shape(kTag, "rotations", rotations, {n, 4});
  check_shape(kTag, "opacity_logits", opacity_logits, {n, 1});
  check_shape(kTag, "sh", sh, {n, m, 3});
  for (const auto* a : {&means, &log_scales, &rotations, &opacity_logits, &sh}) {
    check_dtype(kTag, "scene arrays", *a, {mx::float32});
  }
}

mx::array activated_scales(const GaussianScene& scene, mx::StreamOrDevice s) { return mx::exp(scene.log_scales, s); }

mx::array normalized_rotations(const GaussianScene& scene, mx::StreamOrDevice s) {
  auto norm = mx::sqrt(mx::sum(mx::square(scene.rotations, s), -1, true, s), s);
  return mx::divide(scene.rotations, mx::maximum(norm, mx::array(1e-12f), s), s);
}

mx::array activated_opacities(const GaussianScene& scene, mx::StreamOrDevice s) {
  return mx::sigmoid(scene.opacity_logits, s);
}

GaussianScene select_gaussians(const GaussianScene& scene, const mx::array& rows, mx::StreamOrDevice s) {
  check_shape(kTag, "rows", rows, {-1});
  check_integer(kTag, "rows", rows);
  GaussianScene out;
  out.sh_degree = scene.sh_degree;
  out.means = mx::take(scene.means, rows, 0, s);
  out.log_scales = mx::take(scene.log_scales, rows, 0, s);
  out.rotations = mx::take(scene.rotations, rows, 0, s);
  out.opacity_logits = mx::take(scene.opacity_logits, rows, 0, s);
  out.sh = mx::take(scene.sh, rows, 0, s);
  return out;
}

GaussianScene concatenate_gaussians(const GaussianScene& a, const GaussianScene& b, mx::StreamOrDevice s) {
  if (a.sh_degree != b.sh_degree)
    fail_argument(kTag, "cannot concatenate scenes of SH degree " + std::to_string(a.sh_degree) + " and " +
                            std::to_string(b.sh_degree));
  GaussianScene out;
  out.sh_degree = a.sh_degree;
  out.means = mx::concatenate({a.means, b.means}, 0, s);
  out.log_scales = mx::concatenate({a.log_scales, b.log_scales}, 0, s);
  out.rotations = mx::concatenate({a.rotations, b.rotations}, 0, s);
  out.opacity_logits = mx::concatenate({a.opacity_logits, b.opacity_logits}, 0, s);
  out.sh = mx::concatenate({a.sh, b.sh}, 0, s);
  return out;
}

}  // namespace robomlx::splat
