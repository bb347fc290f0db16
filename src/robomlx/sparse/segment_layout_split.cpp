// SPDX-License-Identifier: Apache-2.0
// SegmentLayout's split plans for long segments (segment_layout_internal.h).
#include "robomlx/sparse/segment_layout_internal.h"

#include <algorithm>

#include <mlx/ops.h>

namespace robomlx::sparse::detail {

SplitRule split_rule(int D, bool reused) {
  // D == 1: the tile kernel's owner block reads a segment's part past its 2048-value tile alone
  // (16 segments of 625k values: 0.26-0.29 ms a call on an H100, PyTorch 0.20). A split runs two
  // kernels instead, ~30 us for 10M values, but its plan's host-built arrays cost the GPU page
  // faults when first read (0.4-0.6 ms there): a layout kept for reuse pays that once and splits
  // past 256k values; a single call only past millions. Pieces of one tile. D > 1: a warp reads a
  // few GB/s on its own, so past 512 rows, pieces of 128 rows (8 segments of 100k rows x 64
  // channels on the H100: 5.8 ms in one level, 0.7-1.1 ms split per call, 0.19-0.27 ms over a
  // layout that keeps its plan).
  if (D == 1) return SplitRule{reused ? 1 << 18 : 1 << 22, 2048};
  return SplitRule{kNoSplitUpTo, 128};
}

std::vector<SegmentLayout> split_levels(const std::vector<int>& lengths, int piece, mx::Stream s) {
  std::vector<SegmentLayout> levels;
  std::vector<int> cur = lengths;
  int64_t rows = 0;
  for (int l : cur) rows += l;
  while (!cur.empty() && *std::max_element(cur.begin(), cur.end()) > piece) {
    std::vector<int> pieces, counts(cur.size());
    for (size_t k = 0; k < cur.size(); ++k) {
      counts[k] = (cur[k] + piece - 1) / piece;
      for (int i = 0; i < counts[k]; ++i) pieces.push_back(std::min(piece, cur[k] - i * piece));
    }
    levels.push_back(SegmentLayoutAccess::from_host(pieces, static_cast<int>(rows), s));
    rows = static_cast<int64_t>(pieces.size());
    cur = std::move(counts);
  }
  if (!levels.empty()) levels.push_back(SegmentLayoutAccess::from_host(cur, static_cast<int>(rows), s));
  return levels;
}

}  // namespace robomlx::sparse::detail
