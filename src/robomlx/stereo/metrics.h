// SPDX-License-Identifier: Apache-2.0
// Disparity quality scores in the Middlebury style (Scharstein & Szeliski 2002).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <mlx/array.h>

namespace robomlx::stereo {

namespace mx = mlx::core;

struct EvalOptions {
  bool ignore_zero_gt = true;  // gt <= 0 means "unknown" (Middlebury 8-bit ground truth)
};

/// Scores over the evaluated pixels E = {mask != 0, gt finite (and > 0 unless !ignore_zero_gt)}.
/// Percentages are in [0, 100] of |E|.
struct StereoScores {
  double bad1 = 0, bad2 = 0;                // % |d - gt| > 1 (> 2) px; invalid pixels count as errors
  double bad1_filled = 0, bad2_filled = 0;  // same after fill_invalid_scanline (the "filled" rule)
  double density = 0;                       // % of E with a valid disparity (d >= 0, finite)
  double avg_error = 0;                     // mean |d - gt| over valid pixels of E (px)
  double avg_error_filled = 0;              // mean |d - gt| over E after filling (px)
  std::int64_t evaluated = 0;               // |E|
};

/// disparity, gt: [H, W] float32 (or any real dtype, converted), pixels; disparity < 0 (or
/// non-finite) = invalid. mask: [H, W], nonzero = evaluate (e.g. Middlebury nonocc.png, 255).
/// Evaluates the arrays. Throws std::invalid_argument "[stereo.eval] ..." on shape mismatch.
StereoScores evaluate_disparity(const mx::array& disparity, const mx::array& gt, const mx::array& mask,
                                const EvalOptions& options = {});

/// The "filled" rule: each invalid pixel takes the value of the nearest valid pixel on its
/// scanline (ties go to the smaller disparity, i.e. the background, as occlusions lie behind);
/// a row with no valid pixel stays invalid (-1). [H, W] float32 in and out; evaluates.
// no stream: a host loop over the evaluated map, which it reads on a CPU stream
mx::array fill_invalid_scanline(const mx::array& disparity);

/// A Middlebury scene's info.txt: ground-truth scale (disparity = groundtruth.png value / scale)
/// and maximum disparity (the scene is searched over [0, max_disparity)).
struct SceneInfo {
  double scale = 0;
  int max_disparity = 0;
};

/// Exactly two whitespace-separated numbers: the scale, finite in [1, 255] (the ground truth is
/// an 8-bit PNG), then the maximum disparity, an integer in [1, 1024] (the matcher's range).
/// Throws FormatError naming the file and the field, with the accepted range.
SceneInfo parse_scene_info(std::string_view text, const std::string& name);
/// Reads and parses a file (FormatError "cannot open file: ..." when it is missing).
SceneInfo read_scene_info(const std::string& path);

}  // namespace robomlx::stereo
