// SPDX-License-Identifier: Apache-2.0
// MVMR: sparse matrix-vector multiplication and reduction, the forward of point convolution.
// Matches Pointelligence / PointCNN++ `sparse_matrix_vector_multiplication_reduction`
// (specs/sparse-sim-vision.md A.2) with the same tensor layouts; only the argument order
// differs (robomlx passes the two operands first, then the three index arrays).
//
//   a: [K, G, C, M]  per-tap weights, G groups        a_idx: [T] int (the tap k)
//   b: [N_b, G, C]   input features                   b_idx: [T] int (the input point j)
//   o: [num_outputs, G, M]                            o_idx: [T] int (the output point i)
//   for t in [0, T), g in [0, G):  o[o_idx[t], g, :] += b[b_idx[t], g, :] @ a[a_idx[t], g, :, :]
//
// dtypes: a and b are float32, float16 or bfloat16 (float64 on CPU streams); mixed dtypes are
// promoted first. Products accumulate in float32 (float64 for float64) and the result is cast
// back to the promoted operand dtype, as upstream does. Index arrays are int32 or int64 (int64
// is cast to int32, so values must be < 2^31); other index dtypes throw. Rows of o that no
// triplet touches are 0; T = 0 gives all zeros.
//
// Differentiable in a and b (custom VJP, as upstream; indices get no gradient):
//   grad_a = vvor(b, grad_o, b_idx, o_idx, a_idx, K)                         [K, G, C, M]
//   grad_b = mvmr(a^T (swap C and M), grad_o, a_idx, o_idx, b_idx, N_b)      [N_b, G, C]
// so MVMR and VVOR are each other's adjoints and higher-order gradients close on the pair.
//
// Validation: shapes, dtypes and index lengths are checked when the graph is built. With
// IndexCheck::host (the default) the three index arrays are also evaluated and checked (one
// synchronisation; on a CPU stream an O(T) host scan, on a GPU a device min / max / sorted
// reduction with 3 numbers read back) to reject out-of-range values, and the check also detects
// whether a_idx is sorted, which enables the tap-sorted fast path of the portable path.
// Speed: the CUDA twin runs any order correctly, but fastest with triplets sorted by tap (the
// order convolutions produce): each 64-triplet tile then needs one weight matrix.
// IndexCheck::none keeps the call fully lazy (usable under mx::compile); out-of-range indices
// are then undefined behaviour, as in upstream's kernels.
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::sparse {

namespace mx = mlx::core;

/// Whether sparse ops validate index values on the host (see the header comment above).
enum class IndexCheck { host, none };

/// o[o_idx[t]] += b[b_idx[t]] @ a[a_idx[t]] per group; see the file comment for layouts.
/// Throws std::invalid_argument "[sparse.mvmr] <argument> ..." on bad shapes, dtypes, lengths,
/// num_outputs < 0 or (with IndexCheck::host) out-of-range indices. Runs on `s` (its device picks
/// the implementation; the gradient runs there too).
mx::array mvmr(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
               const mx::array& o_idx, int num_outputs, IndexCheck check = IndexCheck::host,
               mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
