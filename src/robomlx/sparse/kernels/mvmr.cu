// SPDX-License-Identifier: Apache-2.0
// MVMR (launched by mvmr_gpu.cpp): o[o_idx[t], g, :] += b[b_idx[t], g, :] @ a[a_idx[t], g, :, :]
// over triplets t. Inputs a float32 [K, G, C, M], b [Nb, G, C], a_idx, b_idx, o_idx int32 [T];
// output o float32 [No, G, M], zero-initialised. WIDE (template): 128 output columns a block.
// A tile is 64 consecutive triplets x 64 (WIDE: 128) output columns, 256 threads a block, each a
// 4 x 4 (4 x 8) patch. The triplets of a tile that share a tap form one pass (b rows of other taps
// are zeroed), so tap-sorted triplets, the order convolutions produce, run one pass per tile:
// gather 64 b rows, multiply by the tap's weight matrix, atomically add the 64 rows into the
// outputs. Unsorted triplets stay correct, one pass per distinct tap in the tile. Where the row
// length is a multiple of 4, the flushes add 4 values at once (one vector atomic on sm_90).

  // WIDE: 128 output columns per block (thread patch 4 x 8), for M >= 128.
  constexpr int CG = WIDE ? 2 : 1, BR = 64, BM = 64 * CG, BC = 16, NT = 256;
  RM_ALIGN16 RM_SHARED float sb[BC][BR + 4];
  RM_ALIGN16 RM_SHARED float sa[BC][BM + 4];
  RM_SHARED int sk[BR], sj[BR], si[BR], s_done[BR];
  RM_SHARED int s_key;
  const int64_t T = a_idx_shape[0];
  const int G = a_shape[1], C = a_shape[2], M = a_shape[3];
  const int tid = RM_THREAD_IDX.x, tr = tid / 16, tc = tid % 16;
  const int g = RM_BLOCK_IDX.z, m0 = RM_BLOCK_IDX.y * BM;
  const int64_t t0 = (int64_t)RM_BLOCK_IDX.x * BR;
  const int n = T - t0 < BR ? (int)(T - t0) : BR;
  if (tid < BR) {
    const bool ok = tid < n;
    const int64_t t = t0 + tid;
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
    rm_barrier();
    if (tid < 32) {
      // The next pass takes the tap of the first triplet not yet done.
      const unsigned lo = rm_ballot(s_done[tid] == 0);
      const unsigned hi = rm_ballot(s_done[tid + 32] == 0);
      if (tid == 0) s_key = lo ? sk[rm_ffs(lo) - 1] : (hi ? sk[32 + rm_ffs(hi) - 1] : -1);
    }
    rm_barrier();
    const int k = s_key;
    if (k < 0) break;
    for (int c0 = 0; c0 < C; c0 += BC) {
      for (int e = tid; e < BR * BC; e += NT) {
        const int q = e / BC, c = c0 + e % BC;
        sb[e % BC][q] = (sk[q] == k && c < C) ? b[((int64_t)sj[q] * G + g) * C + c] : 0.f;
      }
      for (int e = tid; e < BC * BM; e += NT) {
        const int c = c0 + e / BM, m = m0 + e % BM;
        sa[e / BM][e % BM] = (c < C && m < M) ? a[(((int64_t)k * G + g) * C + c) * M + m] : 0.f;
      }
      rm_barrier();
#pragma unroll
      for (int c = 0; c < BC; ++c) {
        const float4 bv = *rm_reinterpret<float4>(&sb[c][tr * 4]);
        const float br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
        for (int h = 0; h < CG; ++h) {
          const float4 av = *rm_reinterpret<float4>(&sa[c][h * 64 + tc * 4]);
          const float ar[4] = {av.x, av.y, av.z, av.w};
#pragma unroll
          for (int r = 0; r < 4; ++r)
#pragma unroll
            for (int j = 0; j < 4; ++j) acc[r][h * 4 + j] += br[r] * ar[j];
        }
      }
      rm_barrier();
    }
    if (tid < BR && sk[tid] == k) s_done[tid] = 1;
  }
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int q = tr * 4 + r;
    if (q >= n) continue;
    auto row = o + ((int64_t)si[q] * G + g) * M;
#pragma unroll
    for (int h = 0; h < CG; ++h) {
      const int mc = m0 + h * 64 + tc * 4;
      auto v = acc[r] + h * 4;
      if (M % 4 == 0 && mc < M) {  // then mc + 3 < M too (mc is a multiple of 4)
        rm_atomic_add4(row + mc, v);
        continue;
      }
#pragma unroll
      for (int j = 0; j < 4; ++j)
        if (mc + j < M) rm_atomic_add(row + mc + j, v[j]);
    }
  }
