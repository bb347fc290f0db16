// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/project_gaussians.h"

#include <cmath>
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/splat/project_gaussians_internal.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.project";
}

void ProjectionSettings::validate() const {
  check_range(kTag, "width", width, 1, 16384);
  check_range(kTag, "height", height, 1, 16384);
  check_range(kTag, "fx", fx, 1e-6, 1e9);
  check_range(kTag, "fy", fy, 1e-6, 1e9);
  check_finite(kTag, "cx", cx);
  check_finite(kTag, "cy", cy);
  for (double v : rotation) check_finite(kTag, "rotation", v);
  for (double v : translation) check_finite(kTag, "translation", v);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      double dot = 0;
      for (int k = 0; k < 3; ++k) dot += rotation[i * 3 + k] * rotation[j * 3 + k];
      if (std::abs(dot - (i == j ? 1.0 : 0.0)) > 1e-4)
        throw std::invalid_argument("[splat.project] rotation must be orthonormal (R R^T = I within 1e-4)");
    }
  }
  check_range(kTag, "scale_modifier", scale_modifier, 1e-12, 1e12);
  check_range(kTag, "sh_degree", sh_degree, 0, 3);
}

std::array<double, 3> ProjectionSettings::camera_center() const {
  const auto& R = rotation;
  const auto& t = translation;
  return {-(R[0] * t[0] + R[3] * t[1] + R[6] * t[2]), -(R[1] * t[0] + R[4] * t[1] + R[7] * t[2]),
          -(R[2] * t[0] + R[5] * t[1] + R[8] * t[2])};
}

namespace {

void check_operands(const mx::array& means3d, const mx::array& scales, const mx::array& rotations,
                    const mx::array& opacities, const mx::array& shs, const mx::array& offsets, int sh_degree) {
  check_shape(kTag, "means3d", means3d, {-1, 3});
  const int n = means3d.shape(0);
  check_shape(kTag, "scales", scales, {n, 3});
  check_shape(kTag, "rotations", rotations, {n, 4});
  check_shape(kTag, "opacities", opacities, {n, 1});
  check_shape(kTag, "shs", shs, {n, -1, 3});
  check_shape(kTag, "screen_offsets", offsets, {n, 2});
  for (auto* a : {&means3d, &scales, &rotations, &opacities, &shs, &offsets})
    check_dtype(kTag, "Gaussian inputs", *a, {mx::float32});
  const int need = (sh_degree + 1) * (sh_degree + 1);
  if (shs.shape(1) < need)
    throw std::invalid_argument("[splat.project] shs has " + std::to_string(shs.shape(1)) +
                                " coefficients; sh_degree " + std::to_string(sh_degree) + " needs " +
                                std::to_string(need));
}

}  // namespace

ProjectedGaussians project_gaussians(const mx::array& means3d, const mx::array& scales, const mx::array& rotations,
                                     const mx::array& opacities, const mx::array& shs,
                                     const mx::array& screen_offsets, const ProjectionSettings& settings,
                                     mx::StreamOrDevice s) {
  settings.validate();
  check_operands(means3d, scales, rotations, opacities, shs, screen_offsets, settings.sh_degree);
  const mx::Stream stream = op_stream(s);
  choose_impl(kTag, stream, ImplSet{});  // MLX ops only: recorded for traces
  // A GPU runs the compiled graph: hundreds of [N]-sized kernels each way become a few fused ones.
  // The CPU keeps the op-by-op graph (compiling there means g++ at run time, for little gain).
  if (stream.device.type == mx::Device::gpu)
    return detail::project_gaussians_fused(means3d, scales, rotations, opacities, shs, screen_offsets, settings,
                                           stream);
  return detail::project_gaussians_portable(means3d, scales, rotations, opacities, shs, screen_offsets, settings,
                                            stream);
}

}  // namespace robomlx::splat
