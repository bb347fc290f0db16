// SPDX-License-Identifier: Apache-2.0
// The `robomlx stereo depth` pipeline as a library call: (optional) rectification, grey
// conversion, SGM disparity, depth and point cloud, and writing the outputs of a pair.
#pragma once

#include <optional>
#include <string>

#include <mlx/array.h>

#include "robomlx/stereo/config.h"
#include "robomlx/stereo/rectify.h"

namespace robomlx::stereo {

namespace mx = mlx::core;

/// Rectification and metric geometry prepared once for a stream of pairs of one size.
struct PipelineSetup {
  std::optional<Rectification> rectification;  // when config.rectify.calibration is set
  std::optional<RectifiedGeometry> geometry;   // from the calibration, or depth.focal_px/baseline_mm
};

/// Loads the calibration (resolution from the config, else from the single-eye size) and
/// computes the maps. Throws FormatError for a bad calibration file and std::invalid_argument
/// when the image size does not match it or the disparity range does not fit the width.
PipelineSetup prepare_pipeline(const StereoConfig& config, int width, int height);

/// Everything one pair produces (arrays evaluated).
struct PairResult {
  mx::array left = mx::array(0);       // rectified left image, [H, W, 3] uint8 RGB
  mx::array disparity = mx::array(0);  // [H, W] float32 px, invalid -1
  mx::array confidence = mx::array(0); // [H, W] float32
  std::optional<mx::array> depth;      // [H, W] float32 in config.depth.unit, 0 invalid
  double seconds = 0;                  // matcher wall time (evaluated)
};

/// left/right: [H, W, 3] uint8 RGB or [H, W] grey of equal size (std::invalid_argument otherwise).
PairResult process_pair(const PipelineSetup& setup, const StereoConfig& config, const mx::array& left,
                        const mx::array& right);

/// Writes into the existing folder `dir`: disparity.png (KITTI 16-bit), disparity.pfm,
/// disparity_color.png, left.png (the rectified left image), confidence.png (matcher
/// confidence * 255, 8-bit) and, with a geometry,
/// depth_mm.png (PNG16 mm) and cloud.ply (unless disabled in config.output). `suffix` is inserted
/// before each extension (video frames: "_00012"). Each file is written atomically; `dir` is
/// meant to be an OutputStage folder (core/io/output_stage.h) so that the set of a run appears
/// together and replaces the previous run's. Returns the list of written paths.
std::vector<std::string> write_pair_outputs(const std::string& dir, const PairResult& result,
                                            const PipelineSetup& setup, const StereoConfig& config,
                                            const std::string& suffix = "");

}  // namespace robomlx::stereo
