// SPDX-License-Identifier: Apache-2.0
// GPU twin of the contiguous and indexed segment reductions (GpuKernel: CUDA and Metal streams
// from one kernel text, Metal unverified). One warp
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
// Contiguous D == 1 has its own bandwidth-bound kernel (segment_reduce_tile_gpu.cpp).

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/sparse/segment_reduce_twins.h"

#include "robomlx/sparse/kernels/segment_reduce_ops.cuh.h"
#include "robomlx/sparse/kernels/segment_reduce_warp.cu.h"

namespace robomlx::sparse::detail {

namespace {

// The plain form passes `ends` as idx, which the kernel reads only when INDEXED.
const GpuKernel& kernel() {
  static const GpuKernel k("robomlx_sparse_segment_reduce_w", {"x", "idx", "ends"}, {"y"},
                           kernels::segment_reduce_warp_cu, {kernels::segment_reduce_ops_cuh});
  return k;
}

}  // namespace

mx::array segment_reduce_gpu(const mx::array& x, const mx::array& ends, ReduceOp op,
                             const std::optional<mx::array>& indices, const std::optional<mx::array>& table,
                             mx::Stream s) {
  int K = ends.size(), D = x.shape(1);
  if (K == 0 || D == 0) return mx::zeros({K, D}, x.dtype(), s);
  if (!indices && D == 1) {
    auto first = table ? *table : segment_tile_table_gpu(ends, x.shape(0), s);
    return mx::astype(segment_reduce_tile_gpu(x, ends, first, op, s), x.dtype(), s);
  }
  const int segs = D == 1 ? 8 : 1;
  int64_t warps = D >= 32 ? int64_t(K) * ((D + 31) / 32) : (int64_t(K) + segs - 1) / segs;
  int threads = static_cast<int>((warps + 7) / 8 * 256);
  const auto idx = indices ? mx::astype(*indices, mx::int32, s) : ends;
  auto y = kernel()({mx::astype(x, mx::float32, s), idx, ends}, {{K, D}}, {mx::float32}, {threads, 1, 1}, {256, 1, 1},
                    {{"OP", static_cast<int>(op)}, {"INDEXED", indices.has_value()}, {"SEGS", segs}}, std::nullopt,
                    s)[0];
  return mx::astype(y, x.dtype(), s);
}

}  // namespace robomlx::sparse::detail
