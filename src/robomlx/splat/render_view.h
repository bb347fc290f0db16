// SPDX-License-Identifier: Apache-2.0
// Rendering a scene for people to look at: one camera of a capture to an 8-bit RGB image, through
// the differentiable rasterizer (rasterize.h) exactly as training sees it, then clamped to [0, 1]
// and quantised as graphdeco saves its renders (torchvision save_image: floor(255 c + 0.5)).
#pragma once

#include <array>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/splat/gaussian_scene.h"
#include "robomlx/splat/rasterize.h"
#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

struct RenderViewOptions {
  std::array<float, 3> background{0, 0, 0};  // each in [0, 1]
  int sh_degree = -1;                         // -1: the scene's; else 0..the scene's degree
  /// Throws std::invalid_argument "[splat.render] ..." for a background outside [0, 1] (or not
  /// finite) or an SH degree the scene does not have.
  void validate(const GaussianScene& scene) const;
};

/// The rasterizer's inputs from a scene's raw parameters: activated scales, normalised rotations,
/// sigmoid opacities, the SH as stored (no screen offsets).
RasterInputs scene_raster_inputs(const GaussianScene& scene, mx::StreamOrDevice s = {});

/// [3, H, W] float32 colours (rasterize's `color`) -> [H, W, 3] uint8, floor(255 clamp(c, 0, 1) + 0.5).
mx::array color_to_rgb8(const mx::array& color, mx::StreamOrDevice s = {});

/// The scene seen from `camera`: [H, W, 3] uint8 (lazy; Image::from_array evaluates it).
mx::array render_view(const GaussianScene& scene, const Camera& camera, const RenderViewOptions& options,
                      mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
