// SPDX-License-Identifier: Apache-2.0
// Ragged (variable-length) data as values + offsets, and the index helpers every sparse or
// per-segment op needs.
//
// Conventions: `lengths` is int32 [n] with lengths[i] >= 0; `offsets` is int32 [n + 1],
// offsets[0] = 0, offsets[n] = total, segment i spans values[offsets[i] : offsets[i + 1]].
// Functions that need a total (an output size) take it explicitly so they stay lazy; the
// overloads without it read it back from the device (one synchronisation). Every op takes
// `mx::StreamOrDevice s = {}` last and runs on that stream (the CUDA twin of the int32 prefix sum
// when the stream is on a CUDA GPU, tag "core.cumsum").
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx {

namespace mx = mlx::core;

/// Exclusive prefix sum of `lengths` with the total appended: [n] -> int32 [n + 1].
mx::array lengths_to_offsets(const mx::array& lengths, mx::StreamOrDevice s = {});

/// Differences of consecutive offsets: int32 [n + 1] -> int32 [n].
mx::array offsets_to_lengths(const mx::array& offsets, mx::StreamOrDevice s = {});

/// segment_ids(offsets, total)[p] = i such that offsets[i] <= p < offsets[i + 1]; int32 [total].
/// Empty segments get no entries. `total` must equal offsets[n].
mx::array segment_ids(const mx::array& offsets, int total, mx::StreamOrDevice s = {});
mx::array segment_ids(const mx::array& offsets, mx::StreamOrDevice s = {});

/// Repeats row i of `values` (along axis 0) lengths[i] times, like torch.repeat_interleave.
/// `total` must equal sum(lengths).
mx::array repeat_interleave(const mx::array& values, const mx::array& lengths, int total, mx::StreamOrDevice s = {});
mx::array repeat_interleave(const mx::array& values, const mx::array& lengths, mx::StreamOrDevice s = {});

/// Prefix sums along `axis`; integer inputs accumulate in int32 unless `dtype` says otherwise.
/// A 1-D int32 sum on a CUDA stream runs the CUDA twin (MLX's scan gives a row one block).
mx::array inclusive_cumsum(const mx::array& x, int axis = 0, std::optional<mx::Dtype> dtype = {},
                           mx::StreamOrDevice s = {});
mx::array exclusive_cumsum(const mx::array& x, int axis = 0, std::optional<mx::Dtype> dtype = {},
                           mx::StreamOrDevice s = {});

/// Host-side validation (synchronises): lengths must be 1-D integer and non-negative.
/// Throws std::invalid_argument naming `tag` and `name`.
void validate_lengths(const char* tag, const char* name, const mx::array& lengths);

/// Host-side validation (synchronises): offsets must be 1-D integer, start at 0, be
/// non-decreasing and end at `total` when total >= 0.
void validate_offsets(const char* tag, const char* name, const mx::array& offsets, int total = -1);

/// A ragged tensor: n segments of rows of `values`.
struct Ragged {
  mx::array values;   // [total, ...]
  mx::array offsets;  // int32 [n + 1]

  static Ragged from_lengths(const mx::array& values, const mx::array& lengths);
  int num_segments() const { return offsets.shape(0) - 1; }
  int total() const { return values.shape(0); }
  mx::array lengths() const { return offsets_to_lengths(offsets); }
  /// int32 [total]: the segment of each row.
  mx::array row_segment_ids() const { return segment_ids(offsets, total()); }
};

}  // namespace robomlx
