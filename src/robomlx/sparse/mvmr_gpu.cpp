// SPDX-License-Identifier: Apache-2.0
// GPU twins of MVMR and VVOR (GpuKernel: CUDA and Metal streams from one kernel text, Metal
// unverified; float32 accumulation, fp16/bf16 operands are upcast before the launch). Sizes come from the inputs' shapes (`<name>_shape`, passed by value
// at launch), so one compiled kernel serves every shape and nothing is uploaded per call.
//
// Both kernels are small register-tiled GEMMs: 256 threads own a 64 x 64 output tile (64 x 128
// when the output rows are 128 wide or more: WIDE), each thread a 4 x 4 (4 x 8) patch.
// MVMR: a tile is 64 consecutive triplets x 64 output columns. The triplets of a tile that share
//   a tap form one pass (b rows of other taps are zeroed), so tap-sorted triplets, the order
//   convolutions produce, run one pass per tile: gather 64 b rows, multiply by the tap's weight
//   matrix, atomically add the 64 rows into the outputs. Unsorted triplets stay correct, one pass
//   per distinct tap in the tile.
// VVOR: a block owns a chunk of 512 triplets and a 64 x 64 (M, C) tile; it accumulates outer
//   products while the output index stays the same and flushes with atomics when it changes, so
//   output-sorted triplets (the weight-gradient case) flush about once per block. Rows arrive
//   32 triplets at a time, the next group's gathers issued before the current one is used.
// Where the row length is a multiple of 4, the flushes add 4 values at once (one vector atomic on
// sm_90).
#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/sparse/mvmr_twins.h"

#include "robomlx/sparse/kernels/mvmr.cu.h"
#include "robomlx/sparse/kernels/vvor.cu.h"
#include "robomlx/sparse/kernels/vvor.cuh.h"

namespace robomlx::sparse::detail {

namespace {

const GpuKernel& mvmr_kernel() {
  static const GpuKernel k("robomlx_sparse_mvmr_tiled", {"a", "b", "a_idx", "b_idx", "o_idx"}, {"o"}, kernels::mvmr_cu);
  return k;
}

const GpuKernel& vvor_kernel() {
  static const GpuKernel k("robomlx_sparse_vvor_tiled", {"a", "b", "a_idx", "b_idx", "o_idx"}, {"o"}, kernels::vvor_cu,
                           {kernels::vvor_cuh});
  return k;
}

int ceil_div(int64_t a, int64_t b) { return static_cast<int>((a + b - 1) / b); }

}  // namespace

mx::array mvmr_gpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, mx::Stream s) {
  int64_t T = a_idx.size();
  int G = a.shape(1), M = a.shape(3);
  if (T == 0 || num_outputs == 0 || M == 0) return mx::zeros({num_outputs, G, M}, a.dtype(), s);
  const bool wide = M >= 128;
  auto out = mvmr_kernel()({mx::astype(a, mx::float32, s), mx::astype(b, mx::float32, s), a_idx, b_idx, o_idx},
                           {{num_outputs, G, M}}, {mx::float32},
                           {ceil_div(T, 64) * 256, ceil_div(M, wide ? 128 : 64), G}, {256, 1, 1},
                           {{"WIDE", wide}}, 0.0f, s)[0];
  return mx::astype(out, a.dtype(), s);
}

mx::array vvor_gpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, mx::Stream s) {
  int64_t T = a_idx.size();
  int G = a.shape(1), M = a.shape(2), C = b.shape(2);
  if (T == 0 || num_outputs == 0 || M == 0 || C == 0) return mx::zeros({num_outputs, G, M, C}, a.dtype(), s);
  const bool wide = C >= 128;
  auto out = vvor_kernel()({mx::astype(a, mx::float32, s), mx::astype(b, mx::float32, s), a_idx, b_idx, o_idx},
                           {{num_outputs, G, M, C}}, {mx::float32},
                           {ceil_div(T, 512) * 256, ceil_div(M, 64) * ceil_div(C, wide ? 128 : 64), G}, {256, 1, 1},
                           {{"WIDE", wide}}, 0.0f, s)[0];
  return mx::astype(out, a.dtype(), s);
}

}  // namespace robomlx::sparse::detail
