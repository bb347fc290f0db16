// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations segment_reduce dispatches to. All take x [T, D] (trailing dims
// flattened) in the accumulation dtype (float32 or float64) and a SegmentLayout's arrays (not
// re-checked): the portable path and the CPU twin its lengths int32 [K] (sum(lengths) == T), the
// CUDA twin its ends int32 [K] (inclusive cumsum) and table. They return the raw forward y [K, D]
// (empty segments 0).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <mlx/array.h>

#include "robomlx/sparse/segment_reduce.h"

namespace robomlx::sparse {
class SegmentLayout;
}  // namespace robomlx::sparse

namespace robomlx::sparse::detail {

mx::array segment_reduce_portable(const mx::array& x, const mx::array& lengths, ReduceOp op);
/// With `indices` (int32 [L], sum(lengths) == L) the rows are x[indices], read in place.
mx::array segment_reduce_cpu(const mx::array& x, const mx::array& lengths, ReduceOp op,
                             const std::optional<mx::array>& indices = std::nullopt);
/// `table` (SegmentLayout::cuda_tile_table) is used for contiguous D == 1 and built when absent.
mx::array segment_reduce_cuda(const mx::array& x, const mx::array& ends, ReduceOp op,
                              const std::optional<mx::array>& indices = std::nullopt,
                              const std::optional<mx::array>& table = std::nullopt);
/// The contiguous D == 1 case of segment_reduce_cuda: x [T, 1], ends = inclusive cumsum of the
/// lengths (int32 [K], on the device), table = segment_tile_table_cuda(ends, T); y [K, 1] float32.
mx::array segment_reduce_tile_cuda(const mx::array& x, const mx::array& ends, const mx::array& table, ReduceOp op);
/// The per-tile first-segment table segment_reduce_tile_cuda reads (int32, one entry per tile of
/// its values + 1); it depends only on the segment layout, so callers that reduce many arrays
/// over one layout build it once.
mx::array segment_tile_table_cuda(const mx::array& ends, int total);

struct HostLengths;

struct SegmentLayoutAccess {
  /// A layout for one call of the lengths overloads: int32 lengths already checked, no CUDA table
  /// (segment_reduce_cuda builds it only for contiguous D == 1, as before layouts existed);
  /// `host`, when the check read the lengths, allows splitting long segments (segment_split.h).
  static SegmentLayout per_call(const mx::array& lengths, int total, std::shared_ptr<const HostLengths> host = nullptr);
  /// A layout from host lengths: lengths and ends uploaded (no prefix-sum kernel), the CUDA table
  /// on CUDA devices.
  static SegmentLayout from_host(const std::vector<int>& lengths, int total);
  /// The split plan of `layout` for rows of width D (segment_split.h), built on first use;
  /// nullptr when the layout has no host lengths or no segment is long enough to split.
  static const std::vector<SegmentLayout>* split_plan(const SegmentLayout& layout, int D);
};

/// Host scan (one synchronisation): lengths >= 0 and sum(lengths) == total, else throws
/// "[tag] lengths must be >= 0, got v at position k" / "lengths must sum to <total_name> (t), got s".
/// Returns the lengths as read.
std::shared_ptr<const HostLengths> check_lengths(const char* tag, const mx::array& lengths, int64_t total,
                                                 const char* total_name);

}  // namespace robomlx::sparse::detail
