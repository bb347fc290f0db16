// SPDX-License-Identifier: Apache-2.0
// robomlx's perception pipelines as KServe v2 models (POST /v2/models/{name}/infer).
//
//   depth.standard_chain  the librealsense post-processing chain (depth/pipeline.h, "standard":
//                         decimation, depth2disparity, spatial, temporal, disparity2depth,
//                         hole_filling) with default options, on one frame per request (a fresh
//                         Pipeline each time: the temporal filter sees no history).
//       input  "depth"  UINT16 [H, W]  Z16 raw units
//       params fx (required, pixels), fy (= fx), ppx (= (W - 1) / 2), ppy (= (H - 1) / 2),
//              depth_units (0.001 m/unit), baseline_mm (required, > 0: the disparity stages)
//       output "depth"  UINT16 [H', W'] (decimation halves each side by default)
//   stereo.sgm            semi-global matching (stereo/sgm.h)
//       inputs "left", "right"  UINT8 or FP32 [H, W], rectified grey
//       params every SgmOptions field by name (num_disparities, p1, cost, subpixel, ...)
//       outputs "disparity" FP32 [H, W] (pixels, invalid -1), "confidence" FP32 [H, W]
//   splat.render.<scene>  one per `--splat-scene FILE.ply` (kserve_splat.h)
// Input mistakes (missing tensor, wrong datatype or shape, bad parameter) throw
// std::invalid_argument, which the server answers with 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "robomlx/serve/inference_task.h"

namespace robomlx::serve {

struct TensorSpec {
  std::string name;
  std::string datatype;
  std::vector<std::int64_t> shape;  // -1 = any size
};

struct PipelineSpec {
  std::string name;
  std::string description;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};

/// The built-in pipelines, then the registered splat scenes (kserve_splat.h).
std::vector<PipelineSpec> pipeline_specs();
/// The spec, or nullopt.
std::optional<PipelineSpec> find_pipeline(const std::string& name);

/// Runs one request; call it on the inference thread only (it creates and evaluates MLX arrays).
InferResult run_pipeline(const InferRequest& request);

/// A small synthetic request for `name` (warm-up, tests).
InferRequest example_request(const std::string& name, int height, int width);

}  // namespace robomlx::serve
