// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the operand checks every sparse op shares (MVMR, VVOR, the segment
// reductions, SegmentLayout): index arrays normalised to int32, their host range scans, and the
// dtype the ops accumulate in. Not an op itself; operand_checks.cpp implements it.
#pragma once

#include <cstdint>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::sparse::detail {

namespace mx = mlx::core;

/// Checks `idx` is 1-D int32/int64 (naming `name` under `tag`) and returns it as int32 (int64 is
/// cast on `s`).
mx::array as_index(const char* tag, const char* name, const mx::array& idx, mx::Stream s);

/// Result of checking an index array (scan_indices).
struct IndexScan {
  bool sorted = true;  // non-decreasing
};

/// One index array to check: values must be in [0, limit).
struct IndexToScan {
  const char* name;
  mx::array idx;  // 1-D int32 or int64
  int64_t limit;
};

/// Evaluates the arrays (one synchronisation for all of them) and throws, naming the array and
/// the first bad position, unless every value is in range. On a CPU stream `s` the values are
/// scanned on the host; on a GPU stream min, max and "sorted" are reduced there and read back.
/// Call before as_index so int64 values past int32 are caught.
std::vector<IndexScan> scan_indices(const char* tag, const std::vector<IndexToScan>& arrays, mx::Stream s);
IndexScan scan_index(const char* tag, const char* name, const mx::array& idx, int64_t limit, mx::Stream s);

/// Floating dtype the ops compute in for `dtype` (float32, or float64 for float64).
mx::Dtype accum_dtype(mx::Dtype dtype);

}  // namespace robomlx::sparse::detail
