// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the contiguous segment reduction (fast::cuda_kernel). One warp per output
// element group reads its segment exactly once:
//   D >= 32: a warp owns (segment, 32 channels); lanes are channels, rows are looped, so each
//            row read is one coalesced 128-byte transaction;
//   D < 32:  a warp owns (segment, channel); lanes stride the rows, then a shuffle reduction.
// Sizes and offsets travel as int32 inputs so one compiled kernel (per op) serves every shape.
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/ragged.h"
#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse::detail {

namespace {

constexpr const char* kSource = R"(
  const int K = dims[0], D = dims[1];
  const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  const bool wide = D >= 32;
  const int per_seg = wide ? (D + 31) / 32 : D;
  if (warp >= (long long)K * per_seg) return;
  const int k = (int)(warp / per_seg);
  const int r0 = offsets[k], r1 = offsets[k + 1];
  const float init = OP == 2 ? -INFINITY : (OP == 3 ? INFINITY : 0.f);
  auto combine = [](float u, float v) {
    if (OP == 2) return fmaxf(u, v);
    if (OP == 3) return fminf(u, v);
    return u + v;
  };
  float acc = init;
  if (wide) {
    const int d = (int)(warp % per_seg) * 32 + lane;
    if (d < D) {
      for (int r = r0; r < r1; ++r) acc = combine(acc, x[(long long)r * D + d]);
      if (OP == 1) acc = r1 > r0 ? acc / (float)(r1 - r0) : 0.f;
      if (r1 == r0) acc = 0.f;
      y[(long long)k * D + d] = acc;
    }
  } else {
    const int d = (int)(warp % per_seg);
    for (int r = r0 + lane; r < r1; r += 32) acc = combine(acc, x[(long long)r * D + d]);
    for (int s = 16; s > 0; s >>= 1) acc = combine(acc, __shfl_down_sync(0xffffffffu, acc, s));
    if (lane == 0) {
      if (OP == 1) acc = r1 > r0 ? acc / (float)(r1 - r0) : 0.f;
      if (r1 == r0) acc = 0.f;
      y[(long long)k * D + d] = acc;
    }
  }
)";

const mx::fast::CustomKernelFunction& kernel() {
  static const auto k = mx::fast::cuda_kernel("robomlx_sparse_segment_reduce", {"x", "offsets", "dims"}, {"y"}, kSource);
  return k;
}

}  // namespace

mx::array segment_reduce_cuda(const mx::array& x, const mx::array& lengths, ReduceOp op) {
  int K = lengths.size(), D = x.shape(1);
  int64_t warps = int64_t(K) * (D >= 32 ? (D + 31) / 32 : D);
  int threads = static_cast<int>(((warps * 32 + 255) / 256) * 256);
  auto dims = mx::array({K, D});
  auto y = kernel()({mx::astype(x, mx::float32), lengths_to_offsets(lengths), dims}, {{K, D}}, {mx::float32},
                    {threads, 1, 1}, {256, 1, 1}, {{"OP", static_cast<int>(op)}}, std::nullopt, false, {})[0];
  return mx::astype(y, x.dtype());
}

}  // namespace robomlx::sparse::detail
