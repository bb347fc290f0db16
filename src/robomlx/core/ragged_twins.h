// SPDX-License-Identifier: Apache-2.0
// Private: the twins behind ragged.h. GPU twin (CUDA and Metal) of the int32 prefix sum behind
// lengths_to_offsets and segment_ids. MLX 0.32's CUDA cumsum runs one thread block per scanned
// row, so a single long row (10M marks, 200k lengths) is serial across the GPU: 5.9 ms for 10M on
// an H100. Here two launches of 2048-element chunks (chunk totals, then each block adds the totals
// before it and scans its chunk) keep every SM busy. choose_impl tag "core.cumsum".
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::detail {

namespace mx = mlx::core;

/// Inclusive prefix sum of a 1-D int32 array x [n] on a CUDA or Metal stream. With leading_zero
/// the result is [n + 1] = {0, x0, x0 + x1, ...} (offsets from lengths). Sums must fit int32.
mx::array cumsum_int32_gpu(const mx::array& x, bool leading_zero, mx::Stream s);

}  // namespace robomlx::detail
