// SPDX-License-Identifier: Apache-2.0
// CUDA twins of depth2disparity / disparity2depth (fast::cuda_kernel): one thread per pixel, one
// launch instead of the portable path's several ops (each with host-made scalars). The factor k
// (> 0) is a template constant (its float bits), compiled once per stream geometry. Explicit
// round-to-nearest intrinsics: results equal the CPU twin bit for bit.
#pragma once

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// Same contracts as depth_to_disparity_cpu / disparity_to_depth_cpu; need a CUDA GPU as the
/// default device (throw otherwise).
mx::array depth_to_disparity_cuda(const mx::array& depth, float k);
mx::array disparity_to_depth_cuda(const mx::array& disparity, float k);

}  // namespace robomlx::depth
