// SPDX-License-Identifier: Apache-2.0
// Spatial edge-preserving filter: librealsense rs2::spatial_filter (src/proc/spatial-filter.h/.cpp
// at 2.56.5), bit-exact with its scalar CPU code (shared/specs/realsense.md §1.5).
//
// Input:  [H, W] uint16 Z16 depth (raw depth units, 0 = hole), or
//         [H, W] float32 DISPARITY32 (1/32 px, a pixel is valid when its bit pattern read as int32
//         is > 0, i.e. strictly positive), H >= 2, W >= 2.
// Output: same shape and dtype.
//
// Per iteration: a recursive (exponential moving average) pass along every row left->right then
// right->left, then along every column top->bottom then bottom->top; a step blends with its
// neighbour only when the two differ by less than `delta` (edge preservation). The two input
// types take DIFFERENT librealsense code paths, both reproduced here:
//  - float32: the edge test compares raw neighbours, the blend runs on the filtered state; hole
//    filling (holes_fill > 0) runs once after all iterations, horizontally only. Upstream quirk kept:
//    the right->left fill of a row's last pixel reads the next row's first pixel (0 for the last row).
//  - uint16: the edge test compares with the already filtered neighbour, results are rounded
//    (+0.5, truncation); the left->right pass skips the last column; the right->left pass treats a
//    raw 1 as a hole; the top->bottom pass has no validity test (a 0 can be blended into a small
//    value); hole filling happens inside the horizontal passes of every iteration.
// Floating point order matches upstream (a*alpha + b*(1-alpha), float32, no fused multiply-add);
// the portable float path gets there from a tree-order scan refined to the sequential result.
// Options apply to the next call. (Upstream quirk not kept: a changed filter_smooth_delta only takes
// effect there when the stream profile changes.) Stereo baseline and focal length are not used.
//
// Implementations (core/dispatch.h, tag "depth.spatial"): portable MLX ops (float: short scans and
// refinement sweeps, with host syncs; Z16: a loop over the sequential axis, vectorised over the
// other), a threaded CPU Primitive, and a CUDA kernel (one thread per row/column).
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// Options with librealsense's names, ranges and defaults.
struct SpatialFilterOptions {
  float alpha = 0.5f;   // filter_smooth_alpha: weight of the current pixel, [0.25, 1] (1 = no smoothing)
  int delta = 20;       // filter_smooth_delta: edge threshold in input units (depth units or 1/32 px), [1, 50]
  int iterations = 2;   // filter_magnitude: passes of the whole filter, [1, 5]
  int holes_fill = 0;   // holes_fill: 0 off, 1..4 radius 2^mode ("2/4/8/16-pixel"), 5 unlimited (radius 255)

  /// Throws std::invalid_argument "[depth.spatial] filter_smooth_alpha must be in [0.25, 1], got 1.5".
  void validate() const;
  /// Hole-filling radius R: a run of holes gets at most R-1 pixels filled per direction (0 = off).
  int holes_fill_radius() const;
};

/// Runs the filter (lazy). Throws std::invalid_argument for bad options, ranks, sizes or dtypes.
mx::array spatial_filter(const mx::array& image, const SpatialFilterOptions& options = {},
                         mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
