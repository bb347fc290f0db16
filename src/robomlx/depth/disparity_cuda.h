// SPDX-License-Identifier: Apache-2.0
// CUDA twins of the disparity transforms (fast::cuda_kernel): one launch each instead of the
// portable path's 4 and 8 ops. The factor k travels as the bits of a positive float in a
// template argument (a new kernel per camera, none per frame; nothing uploaded per call).
// IEEE division and addition (__fdiv_rn, __fadd_rn) match the CPU twin bit for bit.
// choose_impl tags "depth.depth2disparity" and "depth.disparity2depth".
#pragma once

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// depth [H, W] uint16 -> disparity float32: 0 stays 0, else k / z.
mx::array depth_to_disparity_cuda(const mx::array& depth, float k);
/// disparity [H, W] float32 -> uint16: (uint16)(int)(k / d + 0.5) for normal d, else 0.
mx::array disparity_to_depth_cuda(const mx::array& disparity, float k);

}  // namespace robomlx::depth
