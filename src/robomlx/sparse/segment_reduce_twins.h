// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind segment_reduce() and
// indexed_segment_reduce(). All take x [T, D] (trailing dims flattened) in the accumulation dtype
// (float32 or float64) and a SegmentLayout's arrays (not re-checked): the portable path and the
// CPU twin its lengths int32 [K] (sum(lengths) == T), the CUDA twin its ends int32 [K] (inclusive
// cumsum) and table. They return the raw forward y [K, D] (empty segments 0), on stream `s`.
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/sparse/segment_reduce.h"

namespace robomlx::sparse::detail {

/// MLX ops only (any device); the parity reference for the twins.
mx::array segment_reduce_portable(const mx::array& x, const mx::array& lengths, ReduceOp op, mx::Stream s);
/// A Primitive with a threaded eval_cpu (CPU streams). With `indices` (int32 [L],
/// sum(lengths) == L) the rows are x[indices], read in place.
mx::array segment_reduce_cpu(const mx::array& x, const mx::array& lengths, ReduceOp op,
                             const std::optional<mx::array>& indices, mx::Stream s);
/// GpuKernel (CUDA and Metal streams). `table` (SegmentLayout::cuda_tile_table) is used for
/// contiguous D == 1 and built when absent.
mx::array segment_reduce_gpu(const mx::array& x, const mx::array& ends, ReduceOp op,
                             const std::optional<mx::array>& indices, const std::optional<mx::array>& table,
                             mx::Stream s);
/// The contiguous D == 1 case of segment_reduce_gpu: x [T, 1], ends = inclusive cumsum of the
/// lengths (int32 [K], on the device), table = segment_tile_table_gpu(ends, T); y [K, 1] float32.
mx::array segment_reduce_tile_gpu(const mx::array& x, const mx::array& ends, const mx::array& table, ReduceOp op,
                                  mx::Stream s);
/// The per-tile first-segment table segment_reduce_tile_gpu reads (int32, one entry per tile of
/// its values + 1); it depends only on the segment layout, so callers that reduce many arrays
/// over one layout build it once (SegmentLayout does).
mx::array segment_tile_table_gpu(const mx::array& ends, int total, mx::Stream s);

}  // namespace robomlx::sparse::detail
