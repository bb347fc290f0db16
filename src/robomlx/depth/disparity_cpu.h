// SPDX-License-Identifier: Apache-2.0
// CPU twins of the depth <-> disparity transforms: one threaded pass each (custom Primitives)
// instead of the portable path's chain of whole-image MLX ops on one thread. Same float32
// operations in the same order as disparity.cpp (k / z; k / d + 0.5f, clamp, truncate to int32,
// keep the low 16 bits), compiled without fma contraction, so outputs are identical. Selected by
// choose_impl("depth.depth2disparity") / choose_impl("depth.disparity2depth") on CPU.
#pragma once

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// depth: [H, W] uint16 -> [H, W] float32, 0 where depth is 0, else k / depth.
mx::array depth_to_disparity_cpu(const mx::array& depth, float k);

/// disparity: [H, W] float32 -> [H, W] uint16, 0 where !isnormal(d), else uint16(int32(k / d + 0.5f)).
mx::array disparity_to_depth_cpu(const mx::array& disparity, float k);

}  // namespace robomlx::depth
