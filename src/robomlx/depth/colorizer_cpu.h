// SPDX-License-Identifier: Apache-2.0
// CPU twin of the colorizer: one host pass for the histogram and one for the lookup (a custom
// Primitive). MLX's CPU scatter_add and gather run element by element through generic indexing
// code, which made the portable path ~150 ms for 1280x720 here. Same float32 formulas as
// colorizer.cpp, so outputs are identical; selected by choose_impl("depth.colorizer") on CPU.
#pragma once

#include "robomlx/depth/colorizer.h"

namespace robomlx::depth {

/// data: [H, W] uint16 (Z16) or float32 (DISPARITY32); table: [N+1, 3] uint8 (colormap_table);
/// returns [H, W, 3] uint8. `range` = {min, max} of the fixed-range formula (already converted to
/// disparity for disparity input); ignored when equalizing.
mx::array colorize_cpu(const mx::array& data, const mx::array& table, bool equalize, float units, float lo, float hi);

}  // namespace robomlx::depth
