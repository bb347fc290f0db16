// SPDX-License-Identifier: Apache-2.0
// Hole-filling filter: librealsense rs2::hole_filling_filter (src/proc/hole-filling-filter.h at
// 2.56.5), bit-exact (shared/specs/realsense.md §1.7).
//
// Input: [H, W] uint16 Z16 (0 = hole) or float32 DISPARITY32 (hole = bit pattern exactly 0).
// Output: same shape and dtype. Modes (holes_fill):
//  0 "fill from left": in every row a hole takes the nearest non-hole value to its left (holes in
//    column 0, and holes with nothing valid to their left, stay);
//  1 "farest from around" (default): raster order over rows 1..H-2, columns 1..W-1; a hole takes
//    the maximum of up-left, up, left, down-left, down, where up/left neighbours may already have
//    been filled in this pass; the first/last row and the first column are never filled;
//  2 "nearest from around": same traversal; the up neighbour (even a hole) replaced by any smaller
//    non-hole among up-left, left, down-left, down, so only pixels below a valid pixel get filled.
// Float inputs match upstream exactly for non-negative, non-NaN data (disparity is always >= 0);
// for negative or NaN floats the comparisons may pick a different neighbour.
//
// Implementations (core/dispatch.h, tag "depth.hole_filling"): portable MLX ops (mode 0 as a
// cumulative max of indices; modes 1/2 loop over rows, two kernels per row: a fused elementwise
// step and a segmented cumulative max/min), a CPU Primitive (threaded over rows for mode 0) and a
// CUDA kernel (mode 0: a thread per row; modes 1/2: one thread block sweeping anti-diagonals).
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::depth {

namespace mx = mlx::core;

struct HoleFillingOptions {
  int mode = 1;  // holes_fill: 0 fill from left, 1 farest from around, 2 nearest from around

  /// Throws std::invalid_argument "[depth.hole_filling] holes_fill must be in [0, 2], got 3".
  void validate() const;
};

/// Fills holes (lazy). Throws std::invalid_argument for a bad mode, rank or dtype.
mx::array hole_filling(const mx::array& image, const HoleFillingOptions& options = {}, mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
