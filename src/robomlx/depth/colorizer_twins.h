// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind colorize() (colorizer.h). Arguments are validated by the
// caller: data [H, W] uint16 (Z16) or float32 (DISPARITY32), scheme 0..9. `lo`, `hi` are the
// fixed-range bounds in the input's own units (metres for Z16, already converted for disparity),
// ignored when equalizing. Each returns [H, W, 3] uint8; the same float32 formulas everywhere, so
// outputs are identical.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::depth {

namespace mx = mlx::core;

namespace detail {

/// MLX ops only (any device): scatter_add histogram, cumsum, one gather from a packed table.
mx::array colorize_portable(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi,
                            mx::Stream s);
/// One host pass for the histogram and one for the lookup (a custom Primitive; CPU streams). MLX's
/// CPU scatter_add and gather run element by element through generic indexing code, which made the
/// portable path ~150 ms for 1280x720 here.
mx::array colorize_cpu(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi,
                       mx::Stream s);
/// An atomicAdd histogram kernel, a prefix sum and one lookup kernel: three launches instead of
/// the portable path's ~12, explicit round-to-nearest intrinsics (GpuKernel: CUDA and Metal streams).
mx::array colorize_gpu(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi,
                       mx::Stream s);

}  // namespace detail

}  // namespace robomlx::depth
