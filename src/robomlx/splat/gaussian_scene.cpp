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

}  // namespace robomlx::splat
