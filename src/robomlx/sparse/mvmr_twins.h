// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind mvmr() and vvor(). MVMR and VVOR are one
// file set: each is the other's adjoint, their custom VJPs call each other, and their twins share
// one CPU Primitive and one GPU tiling scheme. So this header declares the paths of both ops;
// mvmr.cpp / vvor.cpp hold each op's dispatch, custom VJP and portable path, mvmr_cpu.cpp and
// mvmr_gpu.cpp the twins of both.
#pragma once

#include <algorithm>
#include <cstdint>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/sparse/mvmr.h"
#include "robomlx/sparse/operand_checks_internal.h"

namespace robomlx::sparse::detail {

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
                               int64_t a_limit, int64_t b_limit, int64_t o_limit, bool scan, mx::Stream s);

/// Checks `a` and `b` are floating (float64 only on CPU streams) and returns their promotion.
mx::Dtype operand_dtype(const char* tag, const mx::array& a, const mx::array& b);

// Un-checked implementations: indices int32 [T], operands already promoted to one dtype.
// The result has the operands' dtype. `mvmr_any`/`vvor_any` choose the implementation from the
// device of `s`; the twins run on `s` (a CPU stream for the CPU twin, a CUDA stream for the CUDA twin).
mx::array mvmr_any(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s);
mx::array vvor_any(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s);

/// MLX ops only (any device); the parity reference for the twins.
mx::array mvmr_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s);
mx::array vvor_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s);
/// A Primitive with a threaded eval_cpu (CPU streams; float32 and float64).
mx::array mvmr_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Stream s);
mx::array vvor_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Stream s);
/// GpuKernel, float32 accumulation (CUDA and Metal streams; no float64).
mx::array mvmr_gpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Stream s);
mx::array vvor_gpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Stream s);

/// Differentiable, un-checked ops (custom VJPs): what the public functions and the VJPs call.
/// The backward runs on the forward's stream `s`.
mx::array mvmr_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s);
mx::array vvor_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s);

// The portable paths work in blocks of triplets.
// Elements of intermediate per block (64 MiB of float32): large enough to amortise the
// per-op overhead, small enough that a 1M-triplet call does not double the memory peak.
inline constexpr int64_t kBlockElements = int64_t{1} << 24;
// MLX's CUDA gather_mm puts the batch (one triplet each) on a grid dimension limited to 65535
// blocks: larger batches fail to launch ("invalid argument"), so blocks stay below it.
inline constexpr int64_t kMaxBlockTriplets = 65535;

/// Triplets per block for `per_triplet` intermediate elements each, of T in all.
inline int block_triplets(int64_t per_triplet, int T) {
  const int64_t most = std::min<int64_t>(T, kMaxBlockTriplets);
  return static_cast<int>(std::clamp<int64_t>(kBlockElements / per_triplet, 1, most));
}

}  // namespace robomlx::sparse::detail
