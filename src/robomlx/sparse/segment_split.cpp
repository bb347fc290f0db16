// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/segment_split.h"

#include <algorithm>

#include <mlx/ops.h>

#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse::detail {

SplitRule split_rule(int D) {
  // D == 1: the tile kernel's owner block reads a segment's part past its 2048-value tile alone
  // (16 segments of 625k values: 0.26-0.29 ms a call on an H100, close to PyTorch's 0.20), while
  // a split costs a call two more kernels and host-built arrays that the GPU must fault in
  // (0.4-0.6 ms a call there), so only segments of millions of values split, into pieces of one
  // tile. D > 1: a warp reads a few GB/s on its own, so past 512 rows, pieces of 128 rows (8
  // segments of 100k rows x 64 channels on the H100: 5.8 ms in one level, 0.7-1.1 ms split per
  // call, 0.19-0.27 ms over a layout that keeps its plan).
  return D == 1 ? SplitRule{1 << 22, 2048} : SplitRule{512, 128};
}

std::vector<SegmentLayout> split_levels(const std::vector<int>& lengths, int piece) {
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
    levels.push_back(SegmentLayoutAccess::from_host(pieces, static_cast<int>(rows)));
    rows = static_cast<int64_t>(pieces.size());
    cur = std::move(counts);
  }
  if (!levels.empty()) levels.push_back(SegmentLayoutAccess::from_host(cur, static_cast<int>(rows)));
  return levels;
}

}  // namespace robomlx::sparse::detail
