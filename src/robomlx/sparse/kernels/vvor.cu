// SPDX-License-Identifier: Apache-2.0
// VVOR (launched by mvmr_cuda.cpp): o[o_idx[t], g] += outer(a[a_idx[t], g, :], b[b_idx[t], g, :])
// over triplets t. Inputs a float32 [Na, G, M], b [Nb, G, C], a_idx, b_idx, o_idx int32 [T];
// output o float32 [n, G, M, C], zero-initialised. WIDE (template): 128 columns of C a block.
// A block owns a chunk of 512 triplets and a 64 x 64 (M, C) tile; it accumulates outer products
// while the output index stays the same and flushes with atomics when it changes, so output-sorted
// triplets (the weight-gradient case) flush about once per block. Rows arrive 32 triplets at a
// time, the next group's gathers issued before the current one is used. Where the row length is a
// multiple of 4, the flushes use sm_90's float4 atomicAdd.

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
