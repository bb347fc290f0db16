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

#include "robomlx/sparse/segment_reduce_cuda_ops.h"
#include "robomlx/sparse/segment_reduce_twins.h"

namespace robomlx::sparse::detail {

namespace {

// OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order). INDEXED: rows come through idx.
constexpr const char* kSource = R"(
  constexpr int WARPS = 8;
  __shared__ float s_part[WARPS][32];
  const int K = ends_shape[0], D = x_shape[1];
  const int lane = threadIdx.x % 32, w = threadIdx.x / 32;
  const long long warp = (long long)blockIdx.x * WARPS + w;
  const float init = seg_init<OP>();
  auto combine = [](float u, float v) { return seg_combine<OP>(u, v); };
  auto row_of = [&](int r) -> long long { return INDEXED ? (long long)idx[r] : (long long)r; };
  auto finish = [&](int k, int d, int len, float acc) { y[(long long)k * D + d] = seg_result<OP>(acc, len); };
  if (SEGS > 1) {
    // D == 1: the warp owns SEGS consecutive segments, whose values are one contiguous run; it
    // reads the run 32 at a time (independent loads, several in flight) and each lane sorts its
    // value into the segment it falls in; then one butterfly per segment.
    const long long k0 = warp * SEGS;
    if (k0 >= K) return;
    int e = 0;
    if (lane <= SEGS) {
      const long long kk = k0 - 1 + lane;
      e = kk < 0 ? 0 : ends[kk < K ? kk : K - 1];
    }
    int bnd[SEGS + 1];
#pragma unroll
    for (int s = 0; s <= SEGS; ++s) bnd[s] = __shfl_sync(0xffffffffu, e, s);
    float part[SEGS];
#pragma unroll
    for (int s = 0; s < SEGS; ++s) part[s] = init;
#pragma unroll 4
    for (int r = bnd[0] + lane; r < bnd[SEGS]; r += 32) {
      const float v = x[row_of(r)];
#pragma unroll
      for (int s = 0; s < SEGS; ++s)
        if (r >= bnd[s] && r < bnd[s + 1]) part[s] = combine(part[s], v);
    }
#pragma unroll
    for (int s = 0; s < SEGS; ++s) {
      float a = part[s];
      for (int o = 16; o > 0; o >>= 1) a = combine(a, __shfl_xor_sync(0xffffffffu, a, o));
      if (lane == s && k0 + s < K) finish((int)(k0 + s), 0, bnd[s + 1] - bnd[s], a);
    }
    return;
  }
  float acc = init;
  if (D >= 32) {
    const int slices = (D + 31) / 32;
    if (warp >= (long long)K * slices) return;
    const int k = (int)(warp / slices);
    const int d = (int)(warp % slices) * 32 + lane;
    const int r0 = k > 0 ? ends[k - 1] : 0, r1 = ends[k];
    if (d >= D) return;
    // Eight rows' loads in flight, folded as a tree: a long segment, which one warp reads alone,
    // is then less latency-bound. Fixed order: deterministic.
    int r = r0;
    for (; r + 8 <= r1; r += 8) {
      float v[8];
#pragma unroll
      for (int u = 0; u < 8; ++u) v[u] = x[row_of(r + u) * D + d];
      acc = combine(acc, combine(combine(combine(v[0], v[1]), combine(v[2], v[3])),
                                 combine(combine(v[4], v[5]), combine(v[6], v[7]))));
    }
    for (; r < r1; ++r) acc = combine(acc, x[row_of(r) * D + d]);
    finish(k, d, r1 - r0, acc);
    return;
  }
  if (warp >= K) return;  // the whole warp leaves together
  const int k = (int)warp;
  const int R = 32 / D, d = lane % D, rr = lane / D;
  const int r0 = k > 0 ? ends[k - 1] : 0, r1 = ends[k];
  if (rr < R) {
#pragma unroll 4
    for (int r = r0 + rr; r < r1; r += R) acc = combine(acc, x[row_of(r) * D + d]);
  }
  if ((D & (D - 1)) == 0) {
    for (int s = 16; s >= D; s >>= 1) acc = combine(acc, __shfl_down_sync(0xffffffffu, acc, s));
  } else {
    s_part[w][lane] = acc;
    __syncwarp();
    if (lane < D)
      for (int j = 1; j < R; ++j) acc = combine(acc, s_part[w][lane + j * D]);
  }
  if (lane < D) finish(k, d, r1 - r0, acc);
)";

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
