// SPDX-License-Identifier: Apache-2.0
// Helpers of vvor.cu (its header): a block's stage gathers and its flushes.

// Stage [q0, q0 + BQ) of the block's triplets into registers: this thread's column of a (a_base,
// valid when a_col) for the stage rows qa + u * STEP_A, u < PER_A, and of b likewise; zeros past
// t_end or the tile's edge. Threads tid < BQ also take the output index of triplet q0 + tid (-1
// past t_end).
template <int BQ, int STEP_A, int STEP_B, int PER_A, int PER_B, typename PA, typename PB, typename IA, typename IB,
          typename IO>
RM_FUNC void vvor_fetch(int64_t q0, int64_t t_end, int tid, int qa, int qb, bool a_col, bool b_col, PA a_base,
                        PB b_base, int64_t a_row, int64_t b_row, IA a_idx, IB b_idx, IO o_idx,
                        RM_THREAD float (&pa)[PER_A], RM_THREAD float (&pb)[PER_B], RM_THREAD int& pi) {
#pragma unroll
  for (int u = 0; u < PER_A; ++u) {
    const int64_t t = q0 + qa + u * STEP_A;
    pa[u] = (t < t_end && a_col) ? a_base[a_idx[t] * a_row] : 0.f;
  }
#pragma unroll
  for (int u = 0; u < PER_B; ++u) {
    const int64_t t = q0 + qb + u * STEP_B;
    pb[u] = (t < t_end && b_col) ? b_base[b_idx[t] * b_row] : 0.f;
  }
  if (tid < BQ) pi = q0 + tid < t_end ? o_idx[q0 + tid] : -1;
}

// Adds this thread's 4 x 4 CG patch (rows mr .. mr + 3, columns c0 + 64 h + 4 tc ..) to output i
// of o [n, G, M, C] with atomics, and zeroes it.
template <int CG>
RM_FUNC void vvor_flush(RM_DEVICE float* o, int i, int G, int g, int M, int C, int mr, int c0, int tc,
                        RM_THREAD float (&acc)[4][4 * CG]) {
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    if (mr + r >= M) continue;
    auto row = o + (((int64_t)i * G + g) * M + mr + r) * C;
#pragma unroll
    for (int h = 0; h < CG; ++h) {
      const int cc = c0 + h * 64 + tc * 4;
      auto v = acc[r] + h * 4;
      if (C % 4 == 0 && cc < C) {  // then cc + 3 < C too (cc is a multiple of 4)
        rm_atomic_add4(row + cc, v);
        v[0] = v[1] = v[2] = v[3] = 0.f;
        continue;
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        if (cc + j < C) rm_atomic_add(row + cc + j, v[j]);
        v[j] = 0.f;
      }
    }
  }
}
