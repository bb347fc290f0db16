// SPDX-License-Identifier: Apache-2.0
// Internal pieces shared by mvmr, vvor and the segment reductions: index normalisation, the
// host index scan, and the un-checked, non-differentiable implementations each public op
// dispatches to (portable MLX-ops path, threaded CPU twin, CUDA twin).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mlx/array.h>

#include "robomlx/sparse/mvmr.h"

namespace robomlx::sparse::detail {

/// Checks `idx` is 1-D int32/int64 (naming `name` under `tag`) and returns it as int32.
mx::array as_index(const char* tag, const char* name, const mx::array& idx);

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
/// the first bad position, unless every value is in range. Call before as_index so int64
/// values past int32 are caught.
std::vector<IndexScan> scan_indices(const char* tag, const std::vector<IndexToScan>& arrays);
IndexScan scan_index(const char* tag, const char* name, const mx::array& idx, int64_t limit);

/// What the caller knows about the triplet order (from a host scan; false when unknown).
struct TripletOrder {
  bool a_sorted = false;
  bool o_sorted = false;
};

/// MVMR's and VVOR's three index arrays: checked (1-D int32/int64, equal lengths) and as int32.
/// With `scan`, also range-checked against the limits (scan_indices), which tells the order.
struct CheckedTriplets {
  mx::array a, b, o;
  TripletOrder order;
};
CheckedTriplets check_triplets(const char* tag, const mx::array& a_idx, const mx::array& b_idx, const mx::array& o_idx,
                               int64_t a_limit, int64_t b_limit, int64_t o_limit, bool scan);

/// Floating dtype the ops compute in for `dtype` (float32, or float64 for float64).
mx::Dtype accum_dtype(mx::Dtype dtype);

/// Checks `a` and `b` are floating (float64 only on CPU streams) and returns their promotion.
mx::Dtype operand_dtype(const char* tag, const mx::array& a, const mx::array& b);

// Un-checked implementations: indices int32 [T], operands already promoted to one dtype.
// The result has the operands' dtype. `mvmr_any`/`vvor_any` choose the implementation.
mx::array mvmr_any(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order);
mx::array vvor_any(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order);

mx::array mvmr_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order);
mx::array vvor_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order);
mx::array mvmr_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs);
mx::array vvor_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs);
mx::array mvmr_cuda(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs);
mx::array vvor_cuda(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs);

/// Differentiable, un-checked ops (custom VJPs): what the public functions and the VJPs call.
mx::array mvmr_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order);
mx::array vvor_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order);

/// Counting sort of [0, T) by key (values in [0, n)): order[offsets[i]:offsets[i+1]] lists,
/// in ascending t, the positions with key i. offsets has n + 1 entries.
void bucket_by_key(const int32_t* key, int64_t T, int64_t n, int64_t* offsets, int32_t* order);

}  // namespace robomlx::sparse::detail
