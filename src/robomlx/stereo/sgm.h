// SPDX-License-Identifier: Apache-2.0
// Semi-global matching (Hirschmueller 2008) on rectified grey images.
//
// Pipeline: matching cost (census Hamming distance over a census_width x census_height window,
// or "ad_census" = census + floor(min(|IL - IR|, 30) / 2)) over the disparity range,
// path aggregation along 4 (horizontal + vertical) or 8 (+ diagonals) directions with
// penalties P1 (|dd| = 1) and P2 (|dd| > 1; both rounded to integers, costs are integers),
// winner-take-all, parabola sub-pixel fit, uniqueness ratio (OpenCV's rule: invalid when some
// disparity more than 1 away has S * (100 - ratio) < S_best * 100), left-right consistency
// (right-view WTA from the same aggregated volume), then optional median (invalid values take
// part as -1) and speckle filters (cv::filterSpeckles rule: 4-connected blobs of <= window
// pixels whose neighbours differ by <= range become invalid; runs on a CPU stream).
// Pixels whose match x - d falls outside the right image get the largest cost.
// pyramid_factor f > 1 matches at 1/f resolution (area-averaged images, range [min/f,
// ceil((min+num)/f))), upsamples (nearest, disparity * f); refinement_radius r > 0 then
// re-matches at full resolution among round(d) + [-r, r] with census cost summed over a 7x7 box.
// Presets measured on Middlebury (tests/stereo/sgm_quality_test.cpp, bad-2.0 nonocc, filled):
// defaults 3.3 %; fast = {paths 4, cost ad_census, pyramid_factor 2, refinement_radius 1}
// 3.6 %; OpenCV SGBM_3WAY 4.2 % by the same rule. Speed of both presets against SGBM in the same
// `robomlx bench stereo` run: docs/results (latest: 2026-12-07-cpu-sgm-twin).
//
// Implementations (core/dispatch.h), chosen from the device of the stream the call runs on:
// tag "stereo.sgm" (the core, cost .. median): portable MLX ops (any device; the reference), a
// threaded CPU twin (CPU streams) and a CUDA twin (fast::cuda_kernel, num_disparities <= 256);
// tag "stereo.refine" (refinement_radius > 0): portable and a CPU twin. The twins reproduce the
// portable integer costs exactly, so results match to float rounding of the sub-pixel step
// (tests/stereo/sgm_test.cpp). The speckle filter is a host flood fill on a CPU stream.
// Confidence = (S2 - S1) / S2 with S1 the best aggregated cost and S2 the best more than one
// disparity away (1 when there is none); 0 where the disparity is invalid.
#pragma once

#include <string>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::stereo {

namespace mx = mlx::core;

struct SgmOptions {
  int min_disparity = 0;
  int num_disparities = 128;      // search range [min, min + num)
  std::string cost = "census";    // "census" | "ad_census"
  int census_width = 9, census_height = 7;
  float p1 = 10, p2 = 120;        // penalties (units of the cost), p2 adaptive by intensity gradient optional
  int paths = 8;                  // 4 or 8
  bool subpixel = true;
  int lr_max_diff = 1;            // left-right consistency, < 0 disables
  float uniqueness_ratio = 10;    // percent, 0 disables
  int median_size = 3;            // 0 | 3 | 5
  int speckle_window = 0, speckle_range = 2;  // 0 disables
  int pyramid_factor = 1;         // 1 = full res; 2 or 4 = match at reduced scale then upsample
  int refinement_radius = 0;      // local search radius around the upsampled disparity; 0 disables

  /// Throws std::invalid_argument "[stereo.sgm] <field> must be ..., got ..." on a bad field.
  void validate() const;
};

struct DisparityResult {
  mx::array disparity;   // [H, W] float32, left view, pixels; invalid = -1
  mx::array confidence;  // [H, W] float32 in [0, 1]
};

/// Disparity of the left view. left/right: rectified grey [H, W] uint8 or float32 (0..255),
/// same shape; evaluated lazily (the returned arrays are graphs until mx::eval) on `s`.
/// Disparity d at left pixel (y, x) matches right pixel (y, x - d).
DisparityResult compute_disparity(const mx::array& left, const mx::array& right, const SgmOptions& opts,
                                  mx::StreamOrDevice s = {});

}  // namespace robomlx::stereo
