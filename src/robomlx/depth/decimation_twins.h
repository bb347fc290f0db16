// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind decimate_z16() (decimation.h). Arguments are validated by
// the caller: depth [H, W] uint16 with H, W >= s; each returns [hp, wp] uint16 with the same rules
// (lower median of the non-zero samples for s = 2, 3, floor(sum / n) of them otherwise, 0 for an
// all-zero block, zero padding to multiples of 4), bit for bit.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::depth {

namespace mx = mlx::core;

namespace detail {

/// MLX ops only (any device): s*s strided planes plus a sorting network, or a reshaped sum.
mx::array decimate_z16_portable(const mx::array& depth, int s, mx::Stream stream);
/// A Primitive whose eval_cpu splits output rows over threads: one pass instead of the portable
/// path's several whole-image passes on one thread (CPU streams).
mx::array decimate_z16_cpu(const mx::array& depth, int s, mx::Stream stream);
/// GpuKernel, one thread per output pixel (a register sorting network for s = 2, 3): one
/// launch instead of the portable path's ~30 ops (CUDA and Metal streams).
mx::array decimate_z16_gpu(const mx::array& depth, int s, mx::Stream stream);

}  // namespace detail

}  // namespace robomlx::depth
