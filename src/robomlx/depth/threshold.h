// SPDX-License-Identifier: Apache-2.0
// Threshold filter (librealsense rs2::threshold_filter, src/proc/threshold.cpp).
//
// Input/output Z16 [H, W] uint16: a pixel is kept when min <= float(depth_units) * z <= max
// (float32 math, both ends inclusive), else set to 0. Options (metres, 0..16): "min_distance"
// (default 0.1) and "max_distance" (default 4). Coupling as librealsense: setting min above the
// current max first sets max to 16; setting max below the current min first sets min to 0.
// Portable MLX ops only: the kept raw values form one interval (the distance is monotone in z), found
// on the host, so the block is one uint16 compare and a select (no float intermediates; no twins).
#pragma once

#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct ThresholdOptions {
  float min_distance = 0.1f;  // metres
  float max_distance = 4.0f;  // metres
  void validate() const;
};

Frame threshold(const Frame& in, const ThresholdOptions& options, mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
