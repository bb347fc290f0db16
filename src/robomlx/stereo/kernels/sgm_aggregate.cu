// SPDX-License-Identifier: Apache-2.0
// Part of the SGM GPU twin (launched by sgm_gpu.cpp); same integer costs and float formulas as
// the portable path (sgm_internal.h).
// One warp per scanline of one path (RM_BLOCK_IDX.y = path); lane l owns disparities
// [l*K, l*K + K). Costs are computed on the fly from the census. Output lr: [P, H, W, D] of T.
// Inputs: cl, cr (uint64 [H, W]), left, right (float [H, W]).
// Template: H, W, D, K, MIN_D, P1, P2, AD, OUTSIDE, T.

  const unsigned BIG = 1u << 20;
  const int lane = RM_THREAD_IDX.x & 31;
  const int line = (RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x) >> 5;
  const int p = RM_BLOCK_IDX.y;
  const int DX[8] = {1, -1, 0, 0, 1, -1, 1, -1};
  const int DY[8] = {0, 0, 1, -1, 1, 1, -1, -1};
  const int dx = DX[p], dy = DY[p];
  const int nlines = dy == 0 ? H : (dx == 0 ? W : W + H - 1);
  if (line >= nlines) return;
  int x, y;
  if (dy == 0) {
    y = line; x = dx > 0 ? 0 : W - 1;
  } else if (dx == 0) {
    x = line; y = dy > 0 ? 0 : H - 1;
  } else if (line < W) {
    x = line; y = dy > 0 ? 0 : H - 1;
  } else {
    const int j = line - W + 1;
    y = dy > 0 ? j : H - 1 - j; x = dx > 0 ? 0 : W - 1;
  }
  unsigned prev[K];
#pragma unroll
  for (int j = 0; j < K; ++j) prev[j] = 0;
  unsigned pmin = 0;
  const size_t plane = (size_t)p * H * W;
  while (x >= 0 && x < W && y >= 0 && y < H) {
    const int row = y * W;
    const uint64_t l = cl[row + x];
    const float li = left[row + x];
    unsigned lo_nb = rm_shfl_up(prev[K - 1], 1);
    unsigned hi_nb = rm_shfl_down(prev[0], 1);
    if (lane == 0) lo_nb = BIG;
    if (lane == 31) hi_nb = BIG;
    const unsigned lim = pmin + P2;
    unsigned cur[K];
    unsigned m = BIG;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      const int k = lane * K + j;
      unsigned c = OUTSIDE;
      const int xr = x - MIN_D - k;
      if (k < D && xr >= 0) {
        c = rm_popc64(l ^ cr[row + xr]);
        if (AD) c += ((int)fmin(fabs(li - right[row + xr]), 30.f)) >> 1;
      }
      const unsigned lo = j == 0 ? lo_nb : prev[j - 1];
      const unsigned hi = j == K - 1 ? hi_nb : prev[j + 1];
      const unsigned v = min(min(prev[j], min(lo, hi) + P1), lim);
      cur[j] = k < D ? c + v - pmin : BIG;
      m = min(m, cur[j]);
    }
    auto out = lr + (plane + row + x) * D;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      prev[j] = cur[j];
      const int k = lane * K + j;
      if (k < D) out[k] = (T)cur[j];
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) m = min(m, rm_shfl_xor(m, off));
    pmin = m;
    x += dx; y += dy;
  }
