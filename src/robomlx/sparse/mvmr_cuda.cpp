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

namespace robomlx::sparse::detail {

namespace {

constexpr const char* kMvmrSource = R"(
  // WIDE: 128 output columns per block (thread patch 4 x 8), for M >= 128.
  constexpr int CG = WIDE ? 2 : 1, BR = 64, BM = 64 * CG, BC = 16, NT = 256;
  __shared__ __align__(16) float sb[BC][BR + 4];
  __shared__ __align__(16) float sa[BC][BM + 4];
  __shared__ int sk[BR], sj[BR], si[BR], s_done[BR];
  __shared__ int s_key;
  const long long T = a_idx_shape[0];
  const int G = a_shape[1], C = a_shape[2], M = a_shape[3];
  const int tid = threadIdx.x, tr = tid / 16, tc = tid % 16;
  const int g = blockIdx.z, m0 = blockIdx.y * BM;
  const long long t0 = (long long)blockIdx.x * BR;
  const int n = T - t0 < BR ? (int)(T - t0) : BR;
  if (tid < BR) {
    const bool ok = tid < n;
    const long long t = t0 + tid;
    sk[tid] = ok ? a_idx[t] : -1;
    sj[tid] = ok ? b_idx[t] : 0;
    si[tid] = ok ? o_idx[t] : -1;
    s_done[tid] = ok ? 0 : 1;
  }
  float acc[4][4 * CG];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int j = 0; j < 4 * CG; ++j) acc[r][j] = 0.f;
  while (true) {
    __syncthreads();
    if (tid < 32) {
      // The next pass takes the tap of the first triplet not yet done.
      const unsigned lo = __ballot_sync(0xffffffffu, s_done[tid] == 0);
      const unsigned hi = __ballot_sync(0xffffffffu, s_done[tid + 32] == 0);
      if (tid == 0) s_key = lo ? sk[__ffs(lo) - 1] : (hi ? sk[32 + __ffs(hi) - 1] : -1);
    }
    __syncthreads();
    const int k = s_key;
    if (k < 0) break;
    for (int c0 = 0; c0 < C; c0 += BC) {
      for (int e = tid; e < BR * BC; e += NT) {
        const int q = e / BC, c = c0 + e % BC;
        sb[e % BC][q] = (sk[q] == k && c < C) ? b[((long long)sj[q] * G + g) * C + c] : 0.f;
      }
      for (int e = tid; e < BC * BM; e += NT) {
        const int c = c0 + e / BM, m = m0 + e % BM;
        sa[e / BM][e % BM] = (c < C && m < M) ? a[(((long long)k * G + g) * C + c) * M + m] : 0.f;
      }
      __syncthreads();
#pragma unroll
      for (int c = 0; c < BC; ++c) {
        const float4 bv = *reinterpret_cast<const float4*>(&sb[c][tr * 4]);
        const float br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
        for (int h = 0; h < CG; ++h) {
          const float4 av = *reinterpret_cast<const float4*>(&sa[c][h * 64 + tc * 4]);
          const float ar[4] = {av.x, av.y, av.z, av.w};
#pragma unroll
          for (int r = 0; r < 4; ++r)
#pragma unroll
            for (int j = 0; j < 4; ++j) acc[r][h * 4 + j] += br[r] * ar[j];
        }
      }
      __syncthreads();
    }
    if (tid < BR && sk[tid] == k) s_done[tid] = 1;
  }
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int q = tr * 4 + r;
    if (q >= n) continue;
    float* row = o + ((long long)si[q] * G + g) * M;
#pragma unroll
    for (int h = 0; h < CG; ++h) {
      const int mc = m0 + h * 64 + tc * 4;
      const float* v = acc[r] + h * 4;
#if __CUDA_ARCH__ >= 900
      if (M % 4 == 0 && mc < M) {
        atomicAdd(reinterpret_cast<float4*>(row + mc), make_float4(v[0], v[1], v[2], v[3]));
        continue;
      }
#endif
#pragma unroll
      for (int j = 0; j < 4; ++j)
        if (mc + j < M) atomicAdd(row + mc + j, v[j]);
    }
  }
)";

constexpr const char* kVvorSource = R"(
  // WIDE: 128 columns of C per block (thread patch 4 x 8, 16 triplets a stage), for C >= 128.
  constexpr int CG = WIDE ? 2 : 1, CH = 512, BQ = WIDE ? 16 : 32, BTM = 64, BTC = 64 * CG, NT = 256;
  constexpr int PER_A = BQ * BTM / NT, PER_B = BQ * BTC / NT;
  __shared__ __align__(16) float sa[BQ][BTM + 4];
  __shared__ __align__(16) float sb[BQ][BTC + 4];
  __shared__ int si[BQ];
  const long long T = a_idx_shape[0];
  const int G = a_shape[1], M = a_shape[2], C = b_shape[2];
  const int tid = threadIdx.x, tr = tid / 16, tc = tid % 16;
  const int g = blockIdx.z;
  const int cblocks = (C + BTC - 1) / BTC;
  const int m0 = (blockIdx.y / cblocks) * BTM, c0 = (blockIdx.y % cblocks) * BTC;
  const int mr = m0 + tr * 4;
  const long long t_begin = (long long)blockIdx.x * CH;
  const long long t_end = T < t_begin + CH ? T : t_begin + CH;
  // Stage loads go through registers so the next stage's gathers are in flight while the
  // current one is multiplied. Thread tid always loads one column of a (and of b) for rows
  // tid / width + u * (256 / width).
  const int ra = tid % BTM, qa = tid / BTM, rb = tid % BTC, qb = tid / BTC;
  const bool a_col = m0 + ra < M, b_col = c0 + rb < C;
  const float* a_base = a + (long long)g * M + m0 + ra;
  const float* b_base = b + (long long)g * C + c0 + rb;
  const long long a_row = (long long)G * M, b_row = (long long)G * C;
  float pa[PER_A], pb[PER_B];
  int pi = -1;
  auto fetch = [&](long long q0) {
#pragma unroll
    for (int u = 0; u < PER_A; ++u) {
      const long long t = q0 + qa + u * (NT / BTM);
      pa[u] = (t < t_end && a_col) ? a_base[a_idx[t] * a_row] : 0.f;
    }
#pragma unroll
    for (int u = 0; u < PER_B; ++u) {
      const long long t = q0 + qb + u * (NT / BTC);
      pb[u] = (t < t_end && b_col) ? b_base[b_idx[t] * b_row] : 0.f;
    }
    if (tid < BQ) pi = q0 + tid < t_end ? o_idx[q0 + tid] : -1;
  };
  float acc[4][4 * CG];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int j = 0; j < 4 * CG; ++j) acc[r][j] = 0.f;
  int cur = -1;
  auto flush = [&](int i) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      if (mr + r >= M) continue;
      float* row = o + (((long long)i * G + g) * M + mr + r) * C;
#pragma unroll
      for (int h = 0; h < CG; ++h) {
        const int cc = c0 + h * 64 + tc * 4;
        float* v = acc[r] + h * 4;
#if __CUDA_ARCH__ >= 900
        if (C % 4 == 0 && cc < C) {
          atomicAdd(reinterpret_cast<float4*>(row + cc), make_float4(v[0], v[1], v[2], v[3]));
          v[0] = v[1] = v[2] = v[3] = 0.f;
          continue;
        }
#endif
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          if (cc + j < C) atomicAdd(row + cc + j, v[j]);
          v[j] = 0.f;
        }
      }
    }
  };
  if (t_begin < t_end) fetch(t_begin);
  for (long long q0 = t_begin; q0 < t_end; q0 += BQ) {
    const int nq = t_end - q0 < BQ ? (int)(t_end - q0) : BQ;
#pragma unroll
    for (int u = 0; u < PER_A; ++u) sa[qa + u * (NT / BTM)][ra] = pa[u];
#pragma unroll
    for (int u = 0; u < PER_B; ++u) sb[qb + u * (NT / BTC)][rb] = pb[u];
    if (tid < BQ) si[tid] = pi;
    __syncthreads();
    if (q0 + BQ < t_end) fetch(q0 + BQ);
    for (int q = 0; q < nq; ++q) {
      const int i = si[q];
      if (i != cur) {
        if (cur >= 0) flush(cur);
        cur = i;
      }
      const float4 av = *reinterpret_cast<const float4*>(&sa[q][tr * 4]);
      const float ar[4] = {av.x, av.y, av.z, av.w};
#pragma unroll
      for (int h = 0; h < CG; ++h) {
        const float4 bv = *reinterpret_cast<const float4*>(&sb[q][h * 64 + tc * 4]);
        const float br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
        for (int r = 0; r < 4; ++r)
#pragma unroll
          for (int j = 0; j < 4; ++j) acc[r][h * 4 + j] += ar[r] * br[j];
      }
    }
    __syncthreads();
  }
  if (cur >= 0) flush(cur);
)";

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
