// SPDX-License-Identifier: Apache-2.0
// Internal: CUDA device source (for fast::cuda_kernel headers) that walks image lines serially but
// fast. A thread owns one line (row or column), a warp 32 neighbouring lines. Lines are walked in
// 32x32 chunks: each chunk is loaded coalesced (lane = column, one load per row) into registers
// while the previous chunk is processed, so global latency hides behind the serial work, which then
// runs on registers. Columns need no exchange (lane j's registers hold column j); rows go through a
// 32x33 shared tile (conflict-free transpose). Chunks past the image edge are masked.
// V: register type (float, or int for uint16 data). An Op walks one line: op.step(value, k, n) gets
// the k-th value in pass order (k = 0 first) of a line of n values and returns that position's output.
// Launch: 32-thread blocks, block b owning lines [32 b, 32 b + 32).
#pragma once

namespace robomlx::depth::detail {

inline constexpr const char* kCudaLineWalk = R"(
// r[i] = src[y0 + i, x0 + lane] (zero outside the image): one coalesced load per row.
template <typename V, typename T>
__device__ inline void rs_load(const T* src, int h, int w, int y0, int x0, V (&r)[32]) {
  const int x = x0 + (threadIdx.x & 31);
#pragma unroll
  for (int i = 0; i < 32; ++i) r[i] = (y0 + i < h && x < w) ? (V)src[(long long)(y0 + i) * w + x] : (V)0;
}
template <typename V, typename T>
__device__ inline void rs_store(T* dst, int h, int w, int y0, int x0, const V (&r)[32]) {
  const int x = x0 + (threadIdx.x & 31);
#pragma unroll
  for (int i = 0; i < 32; ++i)
    if (y0 + i < h && x < w) dst[(long long)(y0 + i) * w + x] = (T)r[i];
}

// The serial part: the first cnt values of a chunk, in pass order (REV: from index cnt - 1 down).
template <bool REV, typename V, typename Op>
__device__ inline void rs_walk(V (&r)[32], int cnt, int& k, int n, Op& op) {
#pragma unroll
  for (int jj = 0; jj < 32; ++jj) {
    const int j = REV ? 31 - jj : jj;
    if (j < cnt) {
      r[j] = op.step(r[j], k, n);
      ++k;
    }
  }
}

// One directional pass over rows [row0, row0 + 32) (thread lane owns row row0 + lane).
template <bool REV, typename V, typename T, typename Op>
__device__ void rs_rows_pass(const T* src, T* dst, int h, int w, int row0, V (*tile)[33], Op& op) {
  const int lane = threadIdx.x & 31;
  const int nch = (w + 31) >> 5;
  V cur[32], nxt[32];
  int c = REV ? nch - 1 : 0;
  rs_load(src, h, w, row0, c * 32, cur);
  int k = 0;
  for (int it = 0; it < nch; ++it) {
    const int cn = REV ? c - 1 : c + 1;
    if (it + 1 < nch) rs_load(src, h, w, row0, cn * 32, nxt);
#pragma unroll
    for (int i = 0; i < 32; ++i) tile[i][lane] = cur[i];
    __syncwarp();
#pragma unroll
    for (int j = 0; j < 32; ++j) cur[j] = tile[lane][j];
    rs_walk<REV>(cur, min(32, w - c * 32), k, w, op);
#pragma unroll
    for (int j = 0; j < 32; ++j) tile[lane][j] = cur[j];
    __syncwarp();
#pragma unroll
    for (int i = 0; i < 32; ++i) cur[i] = tile[i][lane];
    rs_store(dst, h, w, row0, c * 32, cur);
    __syncwarp();
#pragma unroll
    for (int i = 0; i < 32; ++i) cur[i] = nxt[i];
    c = cn;
  }
}

// One directional pass over columns [col0, col0 + 32) (thread lane owns column col0 + lane).
template <bool REV, typename V, typename T, typename Op>
__device__ void rs_cols_pass(const T* src, T* dst, int h, int w, int col0, Op& op) {
  const int nch = (h + 31) >> 5;
  V cur[32], nxt[32];
  int c = REV ? nch - 1 : 0;
  rs_load(src, h, w, c * 32, col0, cur);
  int k = 0;
  for (int it = 0; it < nch; ++it) {
    const int cn = REV ? c - 1 : c + 1;
    if (it + 1 < nch) rs_load(src, h, w, cn * 32, col0, nxt);
    rs_walk<REV>(cur, min(32, h - c * 32), k, h, op);
    rs_store(dst, h, w, c * 32, col0, cur);
#pragma unroll
    for (int i = 0; i < 32; ++i) cur[i] = nxt[i];
    c = cn;
  }
}

)";

}  // namespace robomlx::depth::detail
