// SPDX-License-Identifier: Apache-2.0
// Plain-loop reference for the segment-reduction tests (float64 host loops).
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

#include "robomlx/sparse/segment_reduce.h"

namespace robomlx::sparse::test {

/// Every reduction op.
inline constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::mean, ReduceOp::max, ReduceOp::min};

/// 0, 1, ..., n - 1: the rows of a contiguous reduction.
inline std::vector<int> iota(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// y [K, D] of reducing, per segment, the rows `rows` (indices into x [*, D], consumed
/// lengths[k] at a time); empty segments 0.
inline std::vector<double> segment_loop(const std::vector<float>& x, int D, const std::vector<int>& rows,
                                        const std::vector<int>& lengths, ReduceOp op) {
  std::vector<double> y(lengths.size() * D, 0.0);
  size_t off = 0;
  for (size_t k = 0; k < lengths.size(); ++k) {
    const size_t len = lengths[k];
    for (int d = 0; d < D && len > 0; ++d) {
      double acc = x[size_t(rows[off]) * D + d];
      for (size_t p = off + 1; p < off + len; ++p) {
        double v = x[size_t(rows[p]) * D + d];
        acc = op == ReduceOp::max ? std::max(acc, v) : op == ReduceOp::min ? std::min(acc, v) : acc + v;
      }
      y[k * D + d] = op == ReduceOp::mean ? acc / len : acc;
    }
    off += len;
  }
  return y;
}

}  // namespace robomlx::sparse::test
