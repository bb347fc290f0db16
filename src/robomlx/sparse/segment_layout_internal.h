// SPDX-License-Identifier: Apache-2.0
// Private (not installed): SegmentLayout's inside, which the segment reductions read: the host
// lengths a check read, the accessors for per-call layouts, and split plans for long segments.
//
// Splitting long segments into pieces, so that the CUDA reductions stay balanced
// (segment_layout_split.cpp). Both CUDA kernels give one segment to one worker (the D == 1 tile
// kernel: the block where it starts reads whatever of it lies past its tile; D > 1: one warp per
// segment and 32 channels), so a segment of 100k rows is read by one block or one warp while the
// rest of the GPU idles: milliseconds where a balanced read takes tens of microseconds.
// A split plan reduces in levels instead: level 0 reduces the rows into pieces of at most
// `piece` consecutive rows of one segment; each next level reduces the previous level's pieces
// (in segment order, they are its rows) into pieces of at most `piece` of them; the last level
// has the K segments. Sum, max and min are associative, so every level uses the op itself; mean
// sums at every level and divides by the true lengths at the end. An empty segment has no pieces
// at any level and stays 0.
// A plan needs the lengths on the host, so it exists only for layouts whose lengths were checked
// there (IndexCheck::host, the default); lazy layouts keep the one-level kernels.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <mlx/stream.h>

#include "robomlx/sparse/segment_layout.h"

namespace robomlx::sparse::detail {

/// Segment lengths read on the host by a check, and the longest of them. `values` may be left
/// empty when max <= kNoSplitUpTo: no plan needs them then.
struct HostLengths {
  std::vector<int> values;
  int max = 0;
};

/// Host scan (one synchronisation): lengths >= 0 and sum(lengths) == total, else throws
/// "[tag] lengths must be >= 0, got v at position k" / "lengths must sum to <total_name> (t), got s".
/// On a GPU stream `s` min, max and sum are reduced there first. Returns the lengths as read.
std::shared_ptr<const HostLengths> check_lengths(const char* tag, const mx::array& lengths, int64_t total,
                                                 const char* total_name, mx::Stream s);

struct SegmentLayoutAccess {
  /// A layout for one call of the lengths overloads: int32 lengths already checked, no CUDA table
  /// (segment_reduce_gpu builds it only for contiguous D == 1, as before layouts existed);
  /// `host`, when the check read the lengths, allows splitting long segments.
  static SegmentLayout per_call(const mx::array& lengths, int total, std::shared_ptr<const HostLengths> host,
                                mx::Stream s);
  /// A layout from host lengths: lengths and ends uploaded (no prefix-sum kernel), the CUDA table
  /// when `s` is a CUDA stream.
  static SegmentLayout from_host(const std::vector<int>& lengths, int total, mx::Stream s);
  /// The split plan of `layout` for rows of width D, built on first use (its layouts built for
  /// stream `s`); nullptr when the layout has no host lengths or no segment is long enough to split.
  static const std::vector<SegmentLayout>* split_plan(const SegmentLayout& layout, int D, mx::Stream s);
};

/// No rule splits a layout whose segments have at most this many rows (split_rule's smallest
/// `above`).
inline constexpr int kNoSplitUpTo = 512;

/// When to split and into what, by row width D and whether the layout is kept for reuse (a
/// SegmentLayout) or built for one call: split when some segment has more than `above` rows,
/// into pieces of at most `piece` rows.
struct SplitRule {
  int above, piece;
};
SplitRule split_rule(int D, bool reused);

/// The levels of a split plan for `lengths` (see the file comment); empty when every segment
/// has at most `piece` rows. Each level is a layout over the previous level's rows (level 0:
/// the lengths' rows), built from host arrays (no prefix-sum kernel), for stream `s`.
std::vector<SegmentLayout> split_levels(const std::vector<int>& lengths, int piece, mx::Stream s);

/// A layout's host lengths and the plans built from them (one per SplitRule), built on first use.
struct SegmentSplitState {
  std::shared_ptr<const HostLengths> host;
  bool reused = true;  // false for the per-call layouts of the lengths overloads
  std::mutex mutex;
  std::optional<std::vector<SegmentLayout>> plans[2];  // D == 1, D > 1
};

}  // namespace robomlx::sparse::detail
