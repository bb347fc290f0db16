// SPDX-License-Identifier: Apache-2.0
// Colorizer (librealsense rs2::colorizer, src/proc/colorizer.cpp/.h).
//
// Input Z16 [H, W] uint16 or DISPARITY32 [H, W] float32; output RGB8 [H, W, 3] uint8, same size.
// Zero (invalid) pixels are black. Each scheme is a list of RGB control points at keys i/(K-1),
// sampled into a cache of N+1 float colours (N = 4000; Quantized N = 6) by piecewise-linear
// interpolation; a pixel's scalar f in [0, 1] picks cache[(int)(f * N)], truncated to uint8.
//   histogram equalization on: f = C[(int)v] / C[65535], C the cumulative histogram of the frame's
//     integer values from bin 1 (bin 0 holds its own count); disparity bins are clamped to
//     [0, 65535] (librealsense indexes out of bounds there);
//   off, Z16: f = (z * depth_units - min) / (max - min), 0 when min >= max;
//   off, disparity: f = (d - dmin) / (dmax - dmin), dmax = 681678.625 / max(min, 1e-6) * units + 0.5,
//     dmin = 681678.625 / max * units + 0.5 (librealsense's hard-coded factor).
// Options: "color_scheme" 0..9 (Jet, Classic, White-to-Black, Black-to-White, Bio, Cold, Warm,
// Quantized, Pattern, Hue), "histogram_equalization_enabled" 0/1 (default 1), "min_distance" 0..16
// (default 0), "max_distance" 0..16 (default 6; setting either turns equalization off, with the
// threshold filter's coupling), "visual_preset" 0..3 (Dynamic, Fixed 0-6 m, Near 0.3-1.5 m Classic,
// Far 1-16 m).
//
// Implementations (core/dispatch.h, tag "depth.colorizer"): portable MLX ops, a CPU Primitive and
// CUDA kernels, with identical outputs.
#pragma once

#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct ColorizerOptions {
  int color_scheme = 0;
  bool equalize = true;
  float min_distance = 0.0f;  // metres
  float max_distance = 6.0f;  // metres
  void validate() const;
};

Frame colorize(const Frame& depth, const ColorizerOptions& options, mx::StreamOrDevice s = {});

/// The scheme's colour cache as uint8 [N+1, 3] (N = 4000, or 6 for Quantized).
// no stream: a constant table built once on the host and cached, not an op.
mx::array colormap_table(int scheme);

}  // namespace robomlx::depth
