// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the contiguous segment reduction (fast::cuda_kernel). Each segment is read
// exactly once:
//   D >= 32: a warp owns (segment, 32 channels); lanes are channels, rows are looped, so each
//            row read is one coalesced 128-byte transaction;
//   D < 32:  LANES lanes (1..32, from the mean segment length) own (segment, channel), stride
//            its rows, then reduce with sub-warp shuffles.
// Sizes and offsets travel as int32 inputs so one compiled kernel (per op) serves every shape.
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/ragged.h"
#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse::detail {

namespace {

constexpr const char* kSource = R"(
  const int K = dims[0], D = dims[1];
  const long long gtid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const float inf_ = __int_as_float(0x7f800000);
  const float init = OP == 2 ? -inf_ : (OP == 3 ? inf_ : 0.f);
  auto combine = [](float u, float v) {
    if (OP == 2) return fmaxf(u, v);
    if (OP == 3) return fminf(u, v);
    return u + v;
  };
  float acc = init;
  if (D >= 32) {
    const long long warp = gtid / 32;
    const int per_seg = (D + 31) / 32;
    if (warp >= (long long)K * per_seg) return;
    const int k = (int)(warp / per_seg);
    const int d = (int)(warp % per_seg) * 32 + (int)(threadIdx.x % 32);
    const int r0 = offsets[k], r1 = offsets[k + 1];
    if (d < D) {
      for (int r = r0; r < r1; ++r) acc = combine(acc, x[(long long)r * D + d]);
      if (OP == 1 && r1 > r0) acc = acc / (float)(r1 - r0);
      y[(long long)k * D + d] = r1 > r0 ? acc : 0.f;
    }
  } else {
    // LANES lanes per (segment, channel); every lane reaches the shuffles (full-warp mask).
    const long long group = gtid / LANES;
    const int lane = (int)(threadIdx.x % LANES);
    const bool valid = group < (long long)K * D;
    const int k = valid ? (int)(group / D) : 0, d = valid ? (int)(group % D) : 0;
    const int r0 = valid ? offsets[k] : 0, r1 = valid ? offsets[k + 1] : 0;
    for (int r = r0 + lane; r < r1; r += LANES) acc = combine(acc, x[(long long)r * D + d]);
    for (int s = LANES / 2; s > 0; s >>= 1) acc = combine(acc, __shfl_down_sync(0xffffffffu, acc, s, LANES));
    if (valid && lane == 0) {
      if (OP == 1 && r1 > r0) acc = acc / (float)(r1 - r0);
      y[(long long)k * D + d] = r1 > r0 ? acc : 0.f;
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
  // Narrow rows: lanes per (segment, channel) follow the mean segment length (T / K, known
  // from the shapes), so short segments do not leave most of a warp idle.
  int lanes = 1;
  int64_t mean_len = K > 0 ? x.shape(0) / K : 0;
  while (lanes < 32 && lanes * 4 <= mean_len) lanes *= 2;
  int64_t work = D >= 32 ? int64_t(K) * ((D + 31) / 32) * 32 : int64_t(K) * D * lanes;
  int threads = static_cast<int>(((work + 255) / 256) * 256);
  auto dims = mx::array({K, D});
  auto y = kernel()({mx::astype(x, mx::float32), lengths_to_offsets(lengths), dims}, {{K, D}}, {mx::float32},
                    {threads, 1, 1}, {256, 1, 1}, {{"OP", static_cast<int>(op)}, {"LANES", lanes}}, std::nullopt, false, {})[0];
  return mx::astype(y, x.dtype());
}

}  // namespace robomlx::sparse::detail
