// SPDX-License-Identifier: Apache-2.0
// CUDA twin of Z16 decimation (fast::cuda_kernel): one thread per output pixel gathers its
// s x s block, keeps the non-zero samples and writes their lower median (s = 2, 3; insertion
// sort of at most 9 values) or their integer mean (s >= 4, or 1); the padding to multiples of 4
// is written as zeros. One launch instead of the portable path's ~40 ops; the scale is a
// template argument (8 kernels at most). choose_impl tag "depth.decimation".
#pragma once

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// Same contract as decimate_z16_cpu: depth [H, W] uint16 -> [ceil4(H/s), ceil4(W/s)] uint16.
mx::array decimate_z16_cuda(const mx::array& depth, int s);

}  // namespace robomlx::depth
