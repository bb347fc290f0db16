// SPDX-License-Identifier: Apache-2.0
// VVOR: sparse vector-vector outer-product reduction, the weight gradient of point convolution.
// Matches Pointelligence / PointCNN++ `sparse_vector_vector_outer_product_reduction`
// (specs/sparse-sim-vision.md A.2) with the same tensor layouts; only the argument order
// differs (operands first, then the three index arrays).
//
//   a: [N_a, G, M]                                    a_idx: [T] int
//   b: [N_b, G, C]                                    b_idx: [T] int
//   o: [num_outputs, G, M, C]                         o_idx: [T] int
//   for t in [0, T), g in [0, G):  o[o_idx[t], g] += outer(a[a_idx[t], g, :], b[b_idx[t], g, :])
//
// Note the output is [.., M, C] (a's width first). MVMR's weight gradient is therefore
// vvor(b, grad_o, b_idx, o_idx, a_idx, K), which is [K, G, C, M], the layout of MVMR's weights.
//
// dtypes, index handling, accumulation precision and validation (IndexCheck) are as for mvmr
// (mvmr.h). With IndexCheck::host the scan also detects whether o_idx is sorted, which enables
// the segmented-matmul fast path.
//
// Differentiable in a and b (custom VJP, as upstream):
//   grad_a = mvmr(grad_o^T (swap M and C), b, o_idx, b_idx, a_idx, N_a)      [N_a, G, M]
//   grad_b = mvmr(grad_o, a, o_idx, a_idx, b_idx, N_b)                       [N_b, G, C]
#pragma once

#include <mlx/array.h>

#include "robomlx/sparse/mvmr.h"

namespace robomlx::sparse {

/// o[o_idx[t]] += outer(a[a_idx[t]], b[b_idx[t]]) per group; see the file comment for layouts.
/// Throws std::invalid_argument "[sparse.vvor] <argument> ..." on bad input, like mvmr. Runs on `s`.
mx::array vvor(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
               const mx::array& o_idx, int num_outputs, IndexCheck check = IndexCheck::host,
               mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
