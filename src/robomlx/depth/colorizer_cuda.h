// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the colorizer (fast::cuda_kernel): an atomicAdd histogram kernel, MLX's cumsum, and
// one lookup kernel (three launches instead of the portable path's ~12). Same float32 formulas with
// explicit round-to-nearest intrinsics, so outputs should equal the portable path exactly.
// choose_impl tag "depth.colorizer".
#pragma once

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

/// Same contract as colorize_cpu; needs a CUDA GPU stream (throws otherwise).
mx::array colorize_cuda(const mx::array& data, const mx::array& table, bool equalize, float units, float lo, float hi);

}  // namespace robomlx::depth
