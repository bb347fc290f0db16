// SPDX-License-Identifier: Apache-2.0
// VVOR (launched by mvmr_gpu.cpp; header: vvor.cuh):
// o[o_idx[t], g] += outer(a[a_idx[t], g, :], b[b_idx[t], g, :]) over triplets t. Inputs a float32 [Na, G, M], b [Nb, G, C], a_idx, b_idx, o_idx int32 [T];
// output o float32 [n, G, M, C], zero-initialised. WIDE (template): 128 columns of C a block.
// A block owns a chunk of 512 triplets and a 64 x 64 (M, C) tile; it accumulates outer products
// while the output index stays the same and flushes with atomics when it changes, so output-sorted
// triplets (the weight-gradient case) flush about once per block. Rows arrive 32 triplets at a
// time, the next group's gathers issued before the current one is used. Where the row length is a
// multiple of 4, the flushes add 4 values at once (one vector atomic on sm_90).

  // WIDE: 128 columns of C per block (thread patch 4 x 8, 16 triplets a stage), for C >= 128.
  constexpr int CG = WIDE ? 2 : 1, CH = 512, BQ = WIDE ? 16 : 32, BTM = 64, BTC = 64 * CG, NT = 256;
  constexpr int PER_A = BQ * BTM / NT, PER_B = BQ * BTC / NT;
  RM_ALIGN16 RM_SHARED float sa[BQ][BTM + 4];
  RM_ALIGN16 RM_SHARED float sb[BQ][BTC + 4];
  RM_SHARED int si[BQ];
  const int64_t T = a_idx_shape[0];
  const int G = a_shape[1], M = a_shape[2], C = b_shape[2];
  const int tid = RM_THREAD_IDX.x, tr = tid / 16, tc = tid % 16;
  const int g = RM_BLOCK_IDX.z;
  const int cblocks = (C + BTC - 1) / BTC;
  const int m0 = (RM_BLOCK_IDX.y / cblocks) * BTM, c0 = (RM_BLOCK_IDX.y % cblocks) * BTC;
  const int mr = m0 + tr * 4;
  const int64_t t_begin = (int64_t)RM_BLOCK_IDX.x * CH;
  const int64_t t_end = T < t_begin + CH ? T : t_begin + CH;
  // Stage loads go through registers so the next stage's gathers are in flight while the
  // current one is multiplied. Thread tid always loads one column of a (and of b) for rows
  // tid / width + u * (256 / width).
  const int ra = tid % BTM, qa = tid / BTM, rb = tid % BTC, qb = tid / BTC;
  const bool a_col = m0 + ra < M, b_col = c0 + rb < C;
  auto a_base = a + (int64_t)g * M + m0 + ra;
  auto b_base = b + (int64_t)g * C + c0 + rb;
  const int64_t a_row = (int64_t)G * M, b_row = (int64_t)G * C;
  float pa[PER_A], pb[PER_B];
  int pi = -1;
  float acc[4][4 * CG];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int j = 0; j < 4 * CG; ++j) acc[r][j] = 0.f;
  int cur = -1;
  if (t_begin < t_end)
    vvor_fetch<BQ, NT / BTM, NT / BTC>(t_begin, t_end, tid, qa, qb, a_col, b_col, a_base, b_base, a_row, b_row, a_idx,
                                       b_idx, o_idx, pa, pb, pi);
  for (int64_t q0 = t_begin; q0 < t_end; q0 += BQ) {
    const int nq = t_end - q0 < BQ ? (int)(t_end - q0) : BQ;
#pragma unroll
    for (int u = 0; u < PER_A; ++u) sa[qa + u * (NT / BTM)][ra] = pa[u];
#pragma unroll
    for (int u = 0; u < PER_B; ++u) sb[qb + u * (NT / BTC)][rb] = pb[u];
    if (tid < BQ) si[tid] = pi;
    rm_barrier();
    if (q0 + BQ < t_end)
      vvor_fetch<BQ, NT / BTM, NT / BTC>(q0 + BQ, t_end, tid, qa, qb, a_col, b_col, a_base, b_base, a_row, b_row,
                                         a_idx, b_idx, o_idx, pa, pb, pi);
    for (int q = 0; q < nq; ++q) {
      const int i = si[q];
      if (i != cur) {
        if (cur >= 0) vvor_flush<CG>(o, cur, G, g, M, C, mr, c0, tc, acc);
        cur = i;
      }
      const float4 av = *rm_reinterpret<float4>(&sa[q][tr * 4]);
      const float ar[4] = {av.x, av.y, av.z, av.w};
#pragma unroll
      for (int h = 0; h < CG; ++h) {
        const float4 bv = *rm_reinterpret<float4>(&sb[q][h * 64 + tc * 4]);
        const float br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
        for (int r = 0; r < 4; ++r)
#pragma unroll
          for (int j = 0; j < 4; ++j) acc[r][h * 4 + j] += ar[r] * br[j];
      }
    }
    rm_barrier();
  }
  if (cur >= 0) vvor_flush<CG>(o, cur, G, g, M, C, mr, c0, tc, acc);
