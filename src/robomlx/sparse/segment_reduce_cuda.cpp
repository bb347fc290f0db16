// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the contiguous and indexed segment reductions (fast::cuda_kernel). One warp
// owns one segment (and, for D > 32, one 32-channel slice of it), so each segment is read
// exactly once, in coalesced 128-byte rows:
//   D >= 32: lanes are channels; the warp walks the segment's rows.
//   D <  32: the warp covers R = 32 / D rows per step (lane = row-in-step x D + channel), so a
//            step reads R * D consecutive floats; lanes of one channel are then combined, by
//            shuffles when D is a power of two, else through shared memory.
// Indexed D == 1 (SEGS = 8): a warp owns 8 consecutive segments and reads their run of rows 32
// at a time, so short segments still keep several loads in flight per warp.
// The indexed form reads row idx[r] instead of row r (no gathered copy). Segment boundaries
// come from the layout's ends (inclusive cumulative sum of the lengths, computed once per
// SegmentLayout); sizes from the inputs' shapes.
// Contiguous D == 1 has its own bandwidth-bound kernel (segment_reduce_tile_cuda.cpp).

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/sparse/segment_reduce_twins.h"

#include "robomlx/sparse/kernels/segment_reduce_ops.cuh.h"
#include "robomlx/sparse/kernels/segment_reduce_warp.cu.h"

namespace robomlx::sparse::detail {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kCudaSegmentOps = kernels::segment_reduce_ops_cuh.cuda;
constexpr const char* kSource = kernels::segment_reduce_warp_cu.cuda;

const mx::fast::CustomKernelFunction& kernel(bool indexed) {
  // The plain kernel has no idx input; a null one keeps the body shared.
  static const auto plain = mx::fast::cuda_kernel("robomlx_sparse_segment_reduce_w", {"x", "ends"}, {"y"},
                                                  std::string("  const int32_t* idx = nullptr;\n") + kSource,
                                                  kCudaSegmentOps);
  static const auto with_idx =
      mx::fast::cuda_kernel("robomlx_sparse_segment_reduce_wi", {"x", "idx", "ends"}, {"y"}, kSource, kCudaSegmentOps);
  return indexed ? with_idx : plain;
}

}  // namespace

mx::array segment_reduce_cuda(const mx::array& x, const mx::array& ends, ReduceOp op,
                              const std::optional<mx::array>& indices, const std::optional<mx::array>& table,
                              mx::Stream s) {
  int K = ends.size(), D = x.shape(1);
  if (K == 0 || D == 0) return mx::zeros({K, D}, x.dtype(), s);
  if (!indices && D == 1) {
    auto first = table ? *table : segment_tile_table_cuda(ends, x.shape(0), s);
    return mx::astype(segment_reduce_tile_cuda(x, ends, first, op, s), x.dtype(), s);
  }
  const int segs = D == 1 ? 8 : 1;
  int64_t warps = D >= 32 ? int64_t(K) * ((D + 31) / 32) : (int64_t(K) + segs - 1) / segs;
  int threads = static_cast<int>((warps + 7) / 8 * 256);
  std::vector<mx::array> inputs{mx::astype(x, mx::float32, s)};
  if (indices) inputs.push_back(mx::astype(*indices, mx::int32, s));
  inputs.push_back(ends);
  auto y = kernel(indices.has_value())(inputs, {{K, D}}, {mx::float32}, {threads, 1, 1}, {256, 1, 1},
                                       {{"OP", static_cast<int>(op)}, {"INDEXED", indices.has_value()}, {"SEGS", segs}},
                                       std::nullopt, false, s)[0];
  return mx::astype(y, x.dtype(), s);
}

}  // namespace robomlx::sparse::detail
