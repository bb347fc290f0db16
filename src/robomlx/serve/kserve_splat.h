// SPDX-License-Identifier: Apache-2.0
// 3DGS scenes as KServe v2 models: `robomlx serve --splat-scene FILE.ply` serves the scene as
// "splat.render.<stem>" (stem lower-cased), rendered by the differentiable rasterizer
// (splat/rasterize.h) with graphdeco's conventions.
//
//   inputs  "viewmat"     FP32 [4, 4]  world to camera (OpenCV axes: x right, y down, z forward),
//                                      row-major; the last row must be 0 0 0 1
//           "intrinsics"  FP32 [4]     fx, fy, cx, cy in pixels (pixel centres at +0.5)
//   params  width, height (required, 1..4096), sh_degree (the scene's), scale_modifier (1),
//           background ("r,g,b" in [0, 1], or one grey number; default 0)
//   outputs "color" FP32 [3, H, W] (background included, not clamped), "alpha" FP32 [H, W],
//           "inverse_depth" FP32 [H, W]
// The PLY is read when registered, so a bad file stops the server before it starts listening.
#pragma once

#include <string>
#include <vector>

#include "robomlx/serve/inference_task.h"
#include "robomlx/serve/kserve_pipelines.h"

namespace robomlx::serve {

/// Registers `ply_path`; returns the model name. Throws std::invalid_argument (the file, what is
/// wrong) for an unreadable PLY or a name already registered.
std::string add_splat_scene(const std::string& ply_path);
/// Forgets every registered scene (tests).
void clear_splat_scenes();
/// The specs of the registered scenes, in registration order.
std::vector<PipelineSpec> splat_scene_specs();
/// Whether `model` is a registered scene.
bool is_splat_scene(const std::string& model);
/// Renders one request (inference thread only).
InferResult run_splat_render(const InferRequest& request);
/// A request rendering the scene `model` at height x width from a camera 4 units in front of the
/// scene's centroid, looking at it.
InferRequest splat_example_request(const std::string& model, int height, int width);

}  // namespace robomlx::serve
