// SPDX-License-Identifier: Apache-2.0
// A contiguous-segment layout prepared once and reused by many segment reductions, like
// torch_scatter's segment_csr taking a precomputed indptr. Point networks reduce many feature
// arrays over the same segments; segment_reduce(x, lengths, ...) re-derives the layout's arrays
// (the prefix sum of the lengths and, on CUDA, the per-tile table of the D == 1 kernel) on every
// call, which on an H100 is 3 of the 4 kernels of a small reduction.
//
// What the layout holds (all int32, lazy MLX arrays, evaluated at most once and then reused
// by every reduction that reads them, because each reduction takes the same array objects):
//   lengths [K]                 segment sizes;
//   ends    [K]                 inclusive cumsum of lengths (segment k spans [ends[k] - lengths[k], ends[k]));
//                               on CUDA streams built by core's cumsum_int32_cuda, else by MLX ops;
//   cuda_tile_table [tiles + 1] only when the layout is built for a CUDA GPU stream (and K > 0):
//                               the table of the contiguous D == 1 CUDA kernel.
// The arrays are built on the stream the layout is constructed with (`s`, default: the default
// device's). Reductions over the layout may run on any stream; they read the arrays from there.
// Building an array costs nothing until a reduction that needs it is evaluated: the CPU twin and
// the portable path read only lengths, the CUDA twin reads ends (and the table for D == 1).
//
// Validation: IndexCheck::host (the default) evaluates the lengths (or offsets) once, in the
// constructor, and rejects negative lengths and a wrong total; reductions over the layout then
// do no host reads. IndexCheck::none keeps everything lazy; bad values are undefined behaviour.
//
// Long segments: with the lengths read on the host (IndexCheck::host), CUDA reductions over a
// layout whose longest segment is long for their kernels (over 256k rows at D == 1, over 512
// rows otherwise; the lengths overloads, which build a layout per call, split at D == 1 only
// past 4M rows) run in levels over pieces of the segments, planned once per layout and row width
// (split plans: segment_layout_internal.h), so that one long segment does not leave the GPU to
// one block or warp.
// Lazy layouts (IndexCheck::none) cannot know and always run one level.
#pragma once

#include <memory>
#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/sparse/segment_reduce.h"

namespace robomlx::sparse {

namespace detail {
struct SegmentLayoutAccess;
struct SegmentSplitState;
struct HostLengths;
}  // namespace detail

class SegmentLayout {
 public:
  /// lengths int32/int64 [K] (int64 is cast to int32, other dtypes throw); total = sum(lengths).
  /// Throws std::invalid_argument "[sparse.SegmentLayout] ..." on bad input.
  SegmentLayout(const mx::array& lengths, int total, IndexCheck check = IndexCheck::host, mx::StreamOrDevice s = {});

  /// offsets int32/int64 [K + 1]: offsets[0] = 0, non-decreasing, total = offsets[K]. This
  /// overload reads offsets[K] on the host (one synchronisation) even with IndexCheck::none.
  static SegmentLayout from_offsets(const mx::array& offsets, IndexCheck check = IndexCheck::host,
                                    mx::StreamOrDevice s = {});
  /// As above with the total given, so IndexCheck::none stays lazy; host checks offsets[K] == total.
  static SegmentLayout from_offsets(const mx::array& offsets, int total, IndexCheck check = IndexCheck::host,
                                    mx::StreamOrDevice s = {});

  /// K, the number of segments.
  int size() const { return static_cast<int>(lengths_.size()); }
  /// T, the number of rows the segments cover.
  int total() const { return total_; }
  /// int32 [K].
  const mx::array& lengths() const { return lengths_; }
  /// int32 [K], inclusive cumsum of lengths.
  const mx::array& ends() const { return ends_; }
  /// int32 table of the CUDA D == 1 kernel; nullopt unless built for a CUDA stream with K > 0.
  const std::optional<mx::array>& cuda_tile_table() const { return table_; }
  /// The longest segment, when the lengths were checked on the host (IndexCheck::host).
  std::optional<int> max_length() const;

 private:
  friend struct detail::SegmentLayoutAccess;
  // ends = inclusive cumsum of lengths when not given. `table`: build the CUDA table when `s` is a
  // CUDA stream. `host`: the lengths as a host check read them (enables splitting long segments).
  SegmentLayout(mx::array lengths, int total, std::optional<mx::array> ends, bool table,
                std::shared_ptr<const detail::HostLengths> host, mx::Stream s);
  // The public constructor once its checks ran (`host`: their read of the lengths, or null).
  SegmentLayout(const mx::array& lengths, int total, std::shared_ptr<const detail::HostLengths> host, mx::Stream s);
  // from_offsets once its checks ran: offsets int32 [K + 1].
  struct OffsetsTag {};
  SegmentLayout(OffsetsTag, const mx::array& offsets, int total, std::shared_ptr<const detail::HostLengths> host,
                mx::Stream s);

  mx::array lengths_, ends_;
  int total_;
  std::optional<mx::array> table_;
  // Shared by copies: the host lengths and the split plans built from them (segment_layout_internal.h).
  std::shared_ptr<detail::SegmentSplitState> split_;
};

/// segment_reduce over a prepared layout: x [T, C...] with T = layout.total(), y [K, C...].
/// Same dtypes, empty-segment value and gradients as segment_reduce (segment_reduce.h). Only
/// shapes and dtypes are checked here. Throws std::invalid_argument "[sparse.segment_reduce] ...".
/// Runs on `s` (its device picks the implementation).
mx::array segment_reduce(const mx::array& x, const SegmentLayout& layout, ReduceOp op, mx::StreamOrDevice s = {});

/// indexed_segment_reduce over a prepared layout: indices [L] with L = layout.total(). `check`
/// covers the index range only (the layout was checked when built). Throws
/// std::invalid_argument "[sparse.indexed_segment_reduce] ...".
mx::array indexed_segment_reduce(const mx::array& x, const mx::array& indices, const SegmentLayout& layout,
                                 ReduceOp op, IndexCheck check = IndexCheck::host, mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
