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
// come from the inclusive cumulative sum of the lengths; sizes from the inputs' shapes.
// Contiguous D == 1 has its own bandwidth-bound kernel (kTileSource below): it tiles the values,
// not the segments, so every block streams a full 16 KB tile whatever the segment lengths.
#include <algorithm>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/scan_cuda.h"
#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse::detail {

namespace {

// OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order). INDEXED: rows come through idx.
constexpr const char* kSource = R"(
  constexpr int WARPS = 8;
  __shared__ float s_part[WARPS][32];
  const int K = ends_shape[0], D = x_shape[1];
  const int lane = threadIdx.x % 32, w = threadIdx.x / 32;
  const long long warp = (long long)blockIdx.x * WARPS + w;
  const float inf_ = __int_as_float(0x7f800000);
  const float init = OP == 2 ? -inf_ : (OP == 3 ? inf_ : 0.f);
  auto combine = [](float u, float v) {
    if (OP == 2) return fmaxf(u, v);
    if (OP == 3) return fminf(u, v);
    return u + v;
  };
  auto row_of = [&](int r) -> long long { return INDEXED ? (long long)idx[r] : (long long)r; };
  auto finish = [&](int k, int d, int len, float acc) {
    if (OP == 1 && len > 0) acc = acc / (float)len;
    y[(long long)k * D + d] = len > 0 ? acc : 0.f;
  };
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
#pragma unroll 4
    for (int r = r0; r < r1; ++r) acc = combine(acc, x[row_of(r) * D + d]);
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

// Contiguous D == 1. A block of 256 threads loads the tile x[v0, v0 + TILE) (float4 loads when
// x is 16-byte aligned, else scalar; all issued before any is used) into shared memory, and
// owns the segments whose start s_k lies in [v0, v0 + TILE) (the last block: every s_k >= v0,
// so trailing empty segments at s_k == T are owned too). Warps 0 and 1 find the owned range
// [k_first, k_last) in `ends` by a 32-ary search while the tile loads are in flight. Warps then
// reduce owned segments round-robin from shared memory; only the last owned segment can run past
// the tile, and the whole block reads its remainder straight from global memory. So a segment
// much longer than a tile (at worst a single huge one) is read by one block: correct, but at
// one block's bandwidth, not the GPU's.
// One grid of max(1, ceil(T / TILE)) blocks writes every y[k] (empty segments 0).
constexpr int kTile = 4096;
constexpr const char* kTileSource = R"(
  constexpr int NT = 256, WARPS = NT / 32, TILE = 4096, PER = TILE / NT, CHUNK = 1024;
  constexpr int G = 8, GROUPS = NT / G;  // lanes per segment in step 4
  __shared__ __align__(16) float s_x[TILE];
  __shared__ int s_e[CHUNK + 1];
  __shared__ int s_range[2], s_spill_len;
  __shared__ float s_red[WARPS], s_spill_part;
  const int T = x_shape[0], K = ends_shape[0];
  const int t = threadIdx.x, lane = t % 32, w = t / 32;
  const int blocks = T > 0 ? (T + TILE - 1) / TILE : 1;
  if ((int)blockIdx.x >= blocks) return;  // the whole block leaves together
  const long long v0 = (long long)blockIdx.x * TILE, v1 = v0 + TILE;
  const float inf_ = __int_as_float(0x7f800000);
  const float init = OP == 2 ? -inf_ : (OP == 3 ? inf_ : 0.f);
  auto combine = [](float u, float v) {
    if (OP == 2) return fmaxf(u, v);
    if (OP == 3) return fminf(u, v);
    return u + v;
  };
  auto warp_reduce = [&](float a) {
    for (int o = 16; o > 0; o >>= 1) a = combine(a, __shfl_xor_sync(0xffffffffu, a, o));
    return a;
  };
  auto finish = [&](int k, int len, float acc) {
    if (OP == 1 && len > 0) acc = acc / (float)len;
    y[k] = len > 0 ? acc : 0.f;
  };
  // 1. Issue the tile loads (independent, coalesced): float4 for a full tile of an aligned x,
  // else scalar and masked past T (the last tile, or x at an odd offset).
  const bool vec = (reinterpret_cast<unsigned long long>(x) & 15ull) == 0 && v1 <= T;
  float r[PER];
  if (vec) {
#pragma unroll
    for (int u = 0; u < PER / 4; ++u) {
      const float4 q = reinterpret_cast<const float4*>(x + v0)[t + NT * u];
      r[4 * u] = q.x; r[4 * u + 1] = q.y; r[4 * u + 2] = q.z; r[4 * u + 3] = q.w;
    }
  } else {
#pragma unroll
    for (int u = 0; u < PER; ++u) {
      const long long i = v0 + t + NT * u;
      r[u] = i < T ? x[i] : 0.f;
    }
  }
  // 2. Meanwhile warp 0 finds k_first, warp 1 k_last: the first k with s_k >= target (s_0 = 0,
  // s_k = ends[k - 1]). Each round the 32 lanes probe 32 evenly spaced entries of the sorted
  // `ends` and a ballot keeps the gap where `ends < target` turns false.
  if (w < 2) {
    const long long target = w == 0 ? v0 : v1;
    int k = K;
    if (w == 0 && target == 0) {
      k = 0;
    } else if (w == 0 || (int)blockIdx.x < blocks - 1) {
      int lo = 0, hi = K - 1;  // lower bound of target in ends[0, K - 1), within [lo, hi]
      while (lo < hi) {
        const int step = (int)(((long long)hi - lo + 31) / 32);
        const long long p = lo + (long long)lane * step;
        const unsigned m = __ballot_sync(0xffffffffu, p < hi && ends[p] < target);
        const int c = m == 0xffffffffu ? 32 : __ffs(~m) - 1;  // m is a prefix of ones
        if (c == 0) {
          hi = lo;
        } else {
          hi = (int)min((long long)hi, lo + (long long)c * step);
          lo = lo + (c - 1) * step + 1;
        }
      }
      k = 1 + lo;
    }
    if (lane == 0) s_range[w] = k;
  }
  // 3. Tile into shared memory.
  if (vec) {
#pragma unroll
    for (int u = 0; u < PER / 4; ++u)
      reinterpret_cast<float4*>(s_x)[t + NT * u] = make_float4(r[4 * u], r[4 * u + 1], r[4 * u + 2], r[4 * u + 3]);
  } else {
#pragma unroll
    for (int u = 0; u < PER; ++u) s_x[t + NT * u] = r[u];
  }
  __syncthreads();
  const int k_first = s_range[0], k_last = s_range[1];
  // 4. Owned segments, CHUNK at a time: their bounds into shared memory, then G lanes per
  // segment (a warp does 32 / G segments at once: typical lengths of tens of values would leave
  // most of a whole warp idle and pay 5 shuffle rounds each). s_k - v0 lies in [0, TILE], so
  // tile offsets fit an int.
  int spill_end = 0;  // > v1 when the last owned segment runs past the tile (uniform)
  for (int c0 = k_first; c0 < k_last; c0 += CHUNK) {
    const int n = min(CHUNK, k_last - c0);
    for (int j = t; j <= n; j += NT) s_e[j] = c0 + j > 0 ? ends[c0 + j - 1] : 0;
    __syncthreads();
    if (c0 + n == k_last) spill_end = s_e[n];
    for (int j0 = w * (32 / G); j0 < n; j0 += GROUPS) {  // j0 is uniform per warp
      const int j = j0 + lane / G, gl = lane % G;
      const int s = j < n ? s_e[j] : (int)v0, e = j < n ? s_e[j + 1] : (int)v0;
      const int a = (int)(s - v0), b = (int)(min((long long)e, v1) - v0);
      float acc = init;
      for (int i = a + gl; i < b; i += G) acc = combine(acc, s_x[i]);
      for (int o = G / 2; o > 0; o >>= 1) acc = combine(acc, __shfl_xor_sync(0xffffffffu, acc, o));
      if (j >= n || gl != 0) continue;
      if (e > v1) {  // only the last owned segment: finished by the whole block below
        s_spill_part = acc;
        s_spill_len = e - s;
      } else {
        finish(c0 + j, e - s, acc);
      }
    }
    __syncthreads();
  }
  // 5. The remainder [v1, spill_end) of that segment, from global memory: float4 loads up to
  // the last multiple of 4 when x is aligned (v1 is one too), then the scalar tail. (Unrolling
  // this loop or step 4's takes sum and max from 32 to 40 registers: 6 blocks per SM, not 8.)
  if (spill_end > v1) {
    float acc = init;
    long long tail = v1;
    if ((reinterpret_cast<unsigned long long>(x) & 15ull) == 0) {
      tail = spill_end & ~3ll;
      const float4* x4 = reinterpret_cast<const float4*>(x);
#pragma unroll 1
      for (long long i = v1 / 4 + t; i < tail / 4; i += NT) {
        const float4 q = x4[i];
        acc = combine(acc, combine(combine(q.x, q.y), combine(q.z, q.w)));
      }
    }
#pragma unroll 4
    for (long long i = tail + t; i < spill_end; i += NT) acc = combine(acc, x[i]);
    acc = warp_reduce(acc);
    if (lane == 0) s_red[w] = acc;
    __syncthreads();
    if (t == 0) {
      acc = s_spill_part;
      for (int i = 0; i < WARPS; ++i) acc = combine(acc, s_red[i]);
      finish(k_last - 1, s_spill_len, acc);
    }
  }
)";

const mx::fast::CustomKernelFunction& kernel(bool indexed) {
  // The plain kernel has no idx input; a null one keeps the body shared.
  static const auto plain = mx::fast::cuda_kernel("robomlx_sparse_segment_reduce_w", {"x", "ends"}, {"y"},
                                                  std::string("  const int32_t* idx = nullptr;\n") + kSource);
  static const auto with_idx =
      mx::fast::cuda_kernel("robomlx_sparse_segment_reduce_wi", {"x", "idx", "ends"}, {"y"}, kSource);
  return indexed ? with_idx : plain;
}

const mx::fast::CustomKernelFunction& tile_kernel() {
  static const auto k = mx::fast::cuda_kernel("robomlx_sparse_segment_reduce_tile", {"x", "ends"}, {"y"}, kTileSource);
  return k;
}

}  // namespace

mx::array segment_reduce_cuda(const mx::array& x, const mx::array& lengths, ReduceOp op,
                              const std::optional<mx::array>& indices) {
  int K = lengths.size(), D = x.shape(1);
  if (K == 0 || D == 0) return mx::zeros({K, D}, x.dtype());
  auto ends = cumsum_int32_cuda(lengths, /*leading_zero=*/false);
  if (!indices && D == 1) {  // every y[k] is written: no init pass
    const int64_t blocks = std::max<int64_t>(1, (int64_t(x.shape(0)) + kTile - 1) / kTile);
    auto y = tile_kernel()({mx::astype(x, mx::float32), ends}, {{K, 1}}, {mx::float32},
                           {static_cast<int>(blocks * 256), 1, 1}, {256, 1, 1}, {{"OP", static_cast<int>(op)}},
                           std::nullopt, false, {})[0];
    return mx::astype(y, x.dtype());
  }
  const int segs = D == 1 ? 8 : 1;
  int64_t warps = D >= 32 ? int64_t(K) * ((D + 31) / 32) : (int64_t(K) + segs - 1) / segs;
  int threads = static_cast<int>((warps + 7) / 8 * 256);
  std::vector<mx::array> inputs{mx::astype(x, mx::float32)};
  if (indices) inputs.push_back(mx::astype(*indices, mx::int32));
  inputs.push_back(ends);
  auto y = kernel(indices.has_value())(inputs, {{K, D}}, {mx::float32}, {threads, 1, 1}, {256, 1, 1},
                                       {{"OP", static_cast<int>(op)}, {"INDEXED", indices.has_value()}, {"SEGS", segs}},
                                       std::nullopt, false, {})[0];
  return mx::astype(y, x.dtype());
}

}  // namespace robomlx::sparse::detail
