// SPDX-License-Identifier: Apache-2.0
// CUDA twin of Z16 decimation (fast::cuda_kernel): one thread per output pixel, the s x s block's
// lower median of non-zero samples (s = 2, 3; a sorting network on registers) or their integer
// mean (s >= 4), zero padding to a multiple of 4. One launch instead of the portable path's ~30
// ops. choose_impl tag "depth.decimation".
#pragma once

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// Same contract as decimate_z16_cpu; needs a CUDA GPU as the default device (throws otherwise).
mx::array decimate_z16_cuda(const mx::array& depth, int s);

}  // namespace robomlx::depth
