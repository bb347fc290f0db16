// SPDX-License-Identifier: Apache-2.0
// CUDA kernel bodies of the SGM twin, for mx::fast::cuda_kernel (MLX generates the signature:
// inputs `const T* name`, outputs `T* name`, template args as constexpr). Kept apart from the
// host code so a scratch .cu can wrap them for an nvcc compile check. Same integer costs and
// float formulas as the portable path (sgm_internal.h).
#pragma once

namespace robomlx::stereo::detail::cuda_src {

// Census of both images. Inputs: left, right float [H, W]. Outputs: cl, cr uint64 [H, W].
// Template: H, W, CW, CH.
inline constexpr const char* kCensus = R"(
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= H * W) return;
  const int y = idx / W, x = idx % W;
  const float c_l = left[idx], c_r = right[idx];
  uint64_t bl = 0, br = 0;
  int b = 0;
  for (int dy = -(CH / 2); dy <= CH / 2; ++dy) {
    const int yy = min(max(y + dy, 0), H - 1);
    for (int dx = -(CW / 2); dx <= CW / 2; ++dx) {
      if (dy == 0 && dx == 0) continue;
      const int j = yy * W + min(max(x + dx, 0), W - 1);
      bl |= (uint64_t)(left[j] < c_l) << b;
      br |= (uint64_t)(right[j] < c_r) << b;
      ++b;
    }
  }
  cl[idx] = bl;
  cr[idx] = br;
)";

// One warp per scanline of one path (blockIdx.y = path); lane l owns disparities
// [l*K, l*K + K). Costs are computed on the fly from the census. Output lr: [P, H, W, D] of T.
// Inputs: cl, cr (uint64 [H, W]), left, right (float [H, W]).
// Template: H, W, D, K, MIN_D, P1, P2, AD, OUTSIDE, T.
inline constexpr const char* kAggregate = R"(
  const unsigned FULL = 0xffffffffu;
  const unsigned BIG = 1u << 20;
  const int lane = threadIdx.x & 31;
  const int line = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int p = blockIdx.y;
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
    unsigned lo_nb = __shfl_up_sync(FULL, prev[K - 1], 1);
    unsigned hi_nb = __shfl_down_sync(FULL, prev[0], 1);
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
        c = __popcll(l ^ cr[row + xr]);
        if (AD) c += ((int)fminf(fabsf(li - right[row + xr]), 30.f)) >> 1;
      }
      const unsigned lo = j == 0 ? lo_nb : prev[j - 1];
      const unsigned hi = j == K - 1 ? hi_nb : prev[j + 1];
      const unsigned v = min(min(prev[j], min(lo, hi) + P1), lim);
      cur[j] = k < D ? c + v - pmin : BIG;
      m = min(m, cur[j]);
    }
    T* out = lr + (plane + row + x) * D;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      prev[j] = cur[j];
      const int k = lane * K + j;
      if (k < D) out[k] = (T)cur[j];
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) m = min(m, __shfl_xor_sync(FULL, m, off));
    pmin = m;
    x += dx; y += dy;
  }
)";

// One warp per pixel: S = sum over paths, WTA (first argmin), S2 (min over |k - k1| > 1),
// uniqueness, parabola, confidence. Inputs: lr [P, H, W, D] of T, params float [1]
// (uniqueness %). Outputs: s uint16 [H, W, D], disp float [H, W] (before LR), kbest int32
// [H, W], conf float [H, W] (0 where not unique). Template: H, W, D, K, P, MIN_D, SUBPIX, T.
inline constexpr const char* kSelect = R"(
  const unsigned FULL = 0xffffffffu;
  const unsigned INF = 1u << 30;
  const int lane = threadIdx.x & 31;
  const int pix = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
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
    const unsigned ob = __shfl_xor_sync(FULL, best, off);
    const int ok = __shfl_xor_sync(FULL, kb, off);
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
    s2 = min(s2, __shfl_xor_sync(FULL, s2, off));
    sm = max(sm, __shfl_xor_sync(FULL, sm, off));
    sp = max(sp, __shfl_xor_sync(FULL, sp, off));
  }
  if (lane != 0) return;
  const float s1f = (float)best, s2f = (float)s2;
  bool valid = true;
  if (uniq > 0.f) valid = s2 == INF || s2f * (100.f - uniq) >= s1f * 100.f;
  float d = (float)(kb + MIN_D);
  if (SUBPIX && D >= 3 && kb > 0 && kb < D - 1) {
    const float a = (float)sm, c = (float)sp;
    const float den = a + c - s1f * 2.f;
    if (den > 0.f) d = d + (a - c) / (2.f * fmaxf(den, 1.f));
  }
  float cf = s2 == INF ? 1.f : (s2f - s1f) / fmaxf(s2f, 1.f);
  if (s2 == 0) cf = 0.f;
  disp[pix] = valid ? d : -1.f;
  kbest[pix] = kb;
  conf[pix] = valid ? cf : 0.f;
)";

// Right-view WTA, LR check. One thread per pixel. Inputs: s uint16 [H, W, D], disp float,
// kbest int32, conf float ([H, W]). Outputs: disp_lr, conf_lr float [H, W].
// Template: H, W, D, MIN_D, LR_PLUS_1 (max |k - kR| plus one; 0 disables the check; template
// values end up in the kernel name, so they must not be negative).
inline constexpr const char* kLeftRight = R"(
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= H * W) return;
  const int y = idx / W, x = idx % W;
  float d = disp[idx], cf = conf[idx];
  if ((LR_PLUS_1 - 1) >= 0 && d >= 0.f) {
    const int k1 = kbest[idx];
    const int xm = x - MIN_D - k1;
    bool ok = xm >= 0 && xm < W;
    if (ok) {
      unsigned best = 1u << 30;
      int kr = 0;
      for (int k = 0; k < D; ++k) {
        const int xl = xm + MIN_D + k;
        if (xl >= W) break;
        const unsigned v = s[((size_t)y * W + xl) * D + k];
        if (v < best) { best = v; kr = k; }
      }
      ok = abs(kr - k1) <= (LR_PLUS_1 - 1);
    }
    if (!ok) { d = -1.f; cf = 0.f; }
  }
  disp_lr[idx] = d;
  conf_lr[idx] = cf;
)";

// Median of the MS x MS window (edge-clamped; invalid -1 counts as a value), then confidence 0
// where the result is invalid. Inputs: disp, conf float [H, W]. Outputs: disp_med, conf_med.
// Template: H, W, MS.
inline constexpr const char* kMedian = R"(
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= H * W) return;
  const int y = idx / W, x = idx % W;
  float v[MS * MS];
  int n = 0;
  for (int dy = -(MS / 2); dy <= MS / 2; ++dy)
    for (int dx = -(MS / 2); dx <= MS / 2; ++dx)
      v[n++] = disp[min(max(y + dy, 0), H - 1) * W + min(max(x + dx, 0), W - 1)];
  for (int i = 1; i < MS * MS; ++i) {
    const float t = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > t) { v[j + 1] = v[j]; --j; }
    v[j + 1] = t;
  }
  const float m = v[MS * MS / 2];
  disp_med[idx] = m;
  conf_med[idx] = m >= 0.f ? conf[idx] : 0.f;
)";

}  // namespace robomlx::stereo::detail::cuda_src
