// SPDX-License-Identifier: Apache-2.0
// Semi-global matching (Hirschmueller 2008) on rectified grey images.
//
// Pipeline: matching cost (census Hamming distance, or AD+census) over the disparity range,
// path aggregation along 4 or 8 directions with penalties P1 (|dd| = 1) and P2 (|dd| > 1),
// winner-take-all, parabola sub-pixel fit, uniqueness ratio, left-right consistency, optional
// median and speckle filters. pyramid_factor > 1 matches at reduced resolution, then (with
// refinement_radius > 0) re-matches at full resolution in a small window around the
// upsampled disparity.
#pragma once

#include <string>

#include <mlx/array.h>

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
/// same shape; evaluated lazily (the returned arrays are graphs until mx::eval).
/// Disparity d at left pixel (y, x) matches right pixel (y, x - d).
DisparityResult compute_disparity(const mx::array& left, const mx::array& right, const SgmOptions& opts);

}  // namespace robomlx::stereo
