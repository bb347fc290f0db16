// SPDX-License-Identifier: Apache-2.0
// Part of the SGM GPU twin (launched by sgm_gpu.cpp); same integer costs and float formulas as
// the portable path (sgm_internal.h).
// One warp per pixel: S = sum over paths, WTA (first argmin), S2 (min over |k - k1| > 1),
// uniqueness, parabola, confidence. Inputs: lr [P, H, W, D] of T, params float [1]
// (uniqueness %). Outputs: s uint16 [H, W, D], disp float [H, W] (before LR), kbest int32
// [H, W], conf float [H, W] (0 where not unique). Template: H, W, D, K, P, MIN_D, SUBPIX, T.

  const unsigned INF = 1u << 30;
  const int lane = RM_THREAD_IDX.x & 31;
  const int pix = (RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x) >> 5;
  if (pix >= H * W) return;
  const float uniq = params[0];
  unsigned sv[K];
  unsigned best = INF;
  int kb = D;
#pragma unroll
  for (int j = 0; j < K; ++j) {
    const int k = lane * K + j;
    unsigned acc = INF;
    if (k < D) {
      acc = 0;
      for (int q = 0; q < P; ++q) acc += lr[((size_t)q * H * W + pix) * D + k];
      s[(size_t)pix * D + k] = (uint16_t)acc;
    }
    sv[j] = acc;
    if (acc < best) { best = acc; kb = k; }
  }
  // Lexicographic (value, index) minimum: the first argmin.
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    const unsigned ob = rm_shfl_xor(best, off);
    const int ok = rm_shfl_xor(kb, off);
    if (ob < best || (ob == best && ok < kb)) { best = ob; kb = ok; }
  }
  unsigned s2 = INF, sm = 0, sp = 0;
#pragma unroll
  for (int j = 0; j < K; ++j) {
    const int k = lane * K + j;
    if (k < D && abs(k - kb) > 1) s2 = min(s2, sv[j]);
    if (k == kb - 1) sm = sv[j];
    if (k == kb + 1) sp = sv[j];
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    s2 = min(s2, rm_shfl_xor(s2, off));
    sm = max(sm, rm_shfl_xor(sm, off));
    sp = max(sp, rm_shfl_xor(sp, off));
  }
  if (lane != 0) return;
  const float s1f = (float)best, s2f = (float)s2;
  bool valid = true;
  if (uniq > 0.f) valid = s2 == INF || s2f * (100.f - uniq) >= s1f * 100.f;
  float d = (float)(kb + MIN_D);
  if (SUBPIX && D >= 3 && kb > 0 && kb < D - 1) {
    const float a = (float)sm, c = (float)sp;
    const float den = a + c - s1f * 2.f;
    if (den > 0.f) d = d + (a - c) / (2.f * fmax(den, 1.f));
  }
  float cf = s2 == INF ? 1.f : (s2f - s1f) / fmax(s2f, 1.f);
  if (s2 == 0) cf = 0.f;
  disp[pix] = valid ? d : -1.f;
  kbest[pix] = kb;
  conf[pix] = valid ? cf : 0.f;
