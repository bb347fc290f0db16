// SPDX-License-Identifier: Apache-2.0
// Segment reductions over ragged rows, as Pointelligence's `large_segment_reduce` and
// `indexed_segment_reduce` (specs/sparse-sim-vision.md A.2), with two hazards defined away:
//
//   segment_reduce(x, lengths, op):            y[k] = op over rows x[off_k : off_k + len_k]
//   indexed_segment_reduce(x, idx, lengths, op): y[k] = op over rows x[idx[off_k : off_k + len_k]]
//   off = exclusive cumsum of lengths.
//
// Shapes: x [T, C...] (any trailing dims, reduced element-wise); lengths [K]; idx [L];
// y [K, C...] with x's dtype. segment_reduce needs sum(lengths) == T, indexed needs
// sum(lengths) == L. dtypes: x float32/float16/bfloat16 (float64 on CPU streams); float16 and
// bfloat16 accumulate in float32. lengths and idx are int32 or int64 (int64 is cast to int32);
// other dtypes throw.
//
// Empty segments: the result is 0 for every op (sum, mean, max and min alike; upstream gives
// -inf/+inf for max/min and NaN for an indexed mean). Their gradient is 0.
//
// Gradients (custom VJP, in x only):
//   sum:  grad_y[k] goes to every row of segment k.
//   mean: grad_y[k] / len_k to every row.
//   max/min tie rule: grad_y[k] is split EQUALLY among the rows of segment k whose value equals
//   y[k] (per element), like torch.segment_reduce and scatter_reduce(amax), not upstream's
//   "full gradient to every tie". In the indexed form each gathered position is a row, so a
//   duplicated index that holds the maximum collects one share per occurrence.
//
// Validation: shapes and dtypes are checked when the graph is built. With IndexCheck::host (the
// default) lengths (and idx) are also evaluated and scanned on the host, one synchronisation
// and an O(K + L) pass, to reject negative lengths, a wrong sum(lengths) and out-of-range
// indices. IndexCheck::none keeps the call lazy; bad values are then undefined behaviour.
//
// Many arrays over one layout: segment_layout.h's SegmentLayout prepares the lengths once
// (validation, prefix sum and, on CUDA, the kernel's per-tile table) and its overloads
// segment_reduce(x, layout, op) / indexed_segment_reduce(x, idx, layout, op) then run only the
// reduction. The overloads here build such a layout per call.
//
// Long segments on CUDA: with IndexCheck::host the lengths read on the host also tell whether
// some segment is too long for one block or warp; such reductions run in levels over pieces of
// the segments (a split plan: segment_layout_internal.h). IndexCheck::none cannot know: a long
// segment is then read by one block (D == 1) or one warp per 32 channels (D > 1), correct but
// slow (8 segments of 100k rows x 64 channels: 5.8 ms instead of 0.7-1.1 ms on an H100; over a
// host-checked layout 0.2).
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/sparse/mvmr.h"

namespace robomlx::sparse {

enum class ReduceOp { sum, mean, max, min };

/// "sum", "mean", "max", "min".
const char* to_string(ReduceOp op);

/// Reduces contiguous segments of rows of x; see the file comment. Throws
/// std::invalid_argument "[sparse.segment_reduce] <argument> ..." on bad input. Runs on `s` (its
/// device picks the implementation; the gradient runs there too).
mx::array segment_reduce(const mx::array& x, const mx::array& lengths, ReduceOp op,
                         IndexCheck check = IndexCheck::host, mx::StreamOrDevice s = {});

/// Gathers rows x[indices] then reduces their contiguous segments; see the file comment.
/// Throws std::invalid_argument "[sparse.indexed_segment_reduce] <argument> ..." on bad input.
mx::array indexed_segment_reduce(const mx::array& x, const mx::array& indices, const mx::array& lengths,
                                 ReduceOp op, IndexCheck check = IndexCheck::host, mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
