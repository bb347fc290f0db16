// SPDX-License-Identifier: Apache-2.0
// CUDA twins of MVMR and VVOR (fast::cuda_kernel, float32 accumulation; fp16/bf16 operands are
// upcast before the launch). Sizes come from the inputs' shapes (`<name>_shape`, passed by value
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
// Where the row length is a multiple of 4, the flushes use sm_90's float4 atomicAdd.
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/sparse/mvmr_twins.h"

#include "robomlx/sparse/kernels/mvmr.cu.h"
#include "robomlx/sparse/kernels/vvor.cu.h"

namespace robomlx::sparse::detail {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kMvmrSource = kernels::mvmr_cu.cuda;
constexpr const char* kVvorSource = kernels::vvor_cu.cuda;

const mx::fast::CustomKernelFunction& mvmr_kernel() {
  static const auto k =
      mx::fast::cuda_kernel("robomlx_sparse_mvmr_tiled", {"a", "b", "a_idx", "b_idx", "o_idx"}, {"o"}, kMvmrSource);
  return k;
}

const mx::fast::CustomKernelFunction& vvor_kernel() {
  static const auto k =
      mx::fast::cuda_kernel("robomlx_sparse_vvor_tiled", {"a", "b", "a_idx", "b_idx", "o_idx"}, {"o"}, kVvorSource);
  return k;
}

int ceil_div(int64_t a, int64_t b) { return static_cast<int>((a + b - 1) / b); }

}  // namespace

mx::array mvmr_cuda(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, mx::Stream s) {
  int64_t T = a_idx.size();
  int G = a.shape(1), M = a.shape(3);
  if (T == 0 || num_outputs == 0 || M == 0) return mx::zeros({num_outputs, G, M}, a.dtype(), s);
  const bool wide = M >= 128;
  auto out = mvmr_kernel()({mx::astype(a, mx::float32, s), mx::astype(b, mx::float32, s), a_idx, b_idx, o_idx},
                           {{num_outputs, G, M}}, {mx::float32},
                           {ceil_div(T, 64) * 256, ceil_div(M, wide ? 128 : 64), G}, {256, 1, 1},
                           {{"WIDE", wide}}, 0.0f, false, s)[0];
  return mx::astype(out, a.dtype(), s);
}

mx::array vvor_cuda(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, mx::Stream s) {
  int64_t T = a_idx.size();
  int G = a.shape(1), M = a.shape(2), C = b.shape(2);
  if (T == 0 || num_outputs == 0 || M == 0 || C == 0) return mx::zeros({num_outputs, G, M, C}, a.dtype(), s);
  const bool wide = C >= 128;
  auto out = vvor_kernel()({mx::astype(a, mx::float32, s), mx::astype(b, mx::float32, s), a_idx, b_idx, o_idx},
                           {{num_outputs, G, M, C}}, {mx::float32},
                           {ceil_div(T, 512) * 256, ceil_div(M, 64) * ceil_div(C, wide ? 128 : 64), G}, {256, 1, 1},
                           {{"WIDE", wide}}, 0.0f, false, s)[0];
  return mx::astype(out, a.dtype(), s);
}

}  // namespace robomlx::sparse::detail
