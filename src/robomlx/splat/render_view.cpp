// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/render_view.h"

#include <cmath>
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/input_policy.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.render";
}

void RenderViewOptions::validate(const GaussianScene& scene) const {
  for (float v : background) {
    if (!(v >= 0 && v <= 1)) fail_argument(kTag, "background must be 3 numbers in [0, 1], got " + number_text(v));
  }
  if (sh_degree < -1 || sh_degree > scene.sh_degree) {
    fail_argument(kTag, "sh-degree must be in [0, " + std::to_string(scene.sh_degree) + "] (the scene's degree), got " +
                            std::to_string(sh_degree));
  }
}

RasterInputs scene_raster_inputs(const GaussianScene& scene, mx::StreamOrDevice so) {
  scene.validate();
  const mx::Stream s = op_stream(so);
  return {scene.means, activated_scales(scene, s), normalized_rotations(scene, s), activated_opacities(scene, s),
          scene.sh, std::nullopt};
}

mx::array color_to_rgb8(const mx::array& color, mx::StreamOrDevice so) {
  check_ndim(kTag, "color", color, 3);
  check_shape(kTag, "color", color, {3, -1, -1});
  const mx::Stream s = op_stream(so);
  const mx::array c = mx::clip(mx::astype(color, mx::float32, s), mx::array(0.0f), mx::array(1.0f), s);
  const mx::array q = mx::floor(mx::add(mx::multiply(c, mx::array(255.0f), s), mx::array(0.5f), s), s);
  return mx::astype(mx::transpose(q, {1, 2, 0}, s), mx::uint8, s);
}

mx::array render_view(const GaussianScene& scene, const Camera& camera, const RenderViewOptions& options,
                      mx::StreamOrDevice so) {
  options.validate(scene);
  const mx::Stream s = op_stream(so);
  const int degree = options.sh_degree < 0 ? scene.sh_degree : options.sh_degree;
  const RasterSettings settings = RasterSettings::from_camera(camera, degree, options.background);
  return color_to_rgb8(rasterize(scene_raster_inputs(scene, s), settings, s).color, s);
}

}  // namespace robomlx::splat
