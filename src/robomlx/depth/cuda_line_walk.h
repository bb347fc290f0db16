// SPDX-License-Identifier: Apache-2.0
// Internal: CUDA device source (for fast::cuda_kernel headers) that walks image lines serially but
// fast. A block of 128 threads owns 32 neighbouring lines (rows or columns): warp 0 walks them
// (lane = line), warps 1-3 move data. Lines advance in 32 x 32 chunks through a ring of shared
// tiles: while the walker runs chunk i from shared memory, the movers write chunk i + 1 into the
// ring from registers, issue the global loads of chunk i + 2 into registers and store chunk i - 1
// back, so the walker's serial steps do nothing but shared-memory reads, the op and writes.
// (One warp doing its own loads, transposes and stores was instruction-latency bound at ~200
// cycles a step on an H100: 170 us for a 640-wide row pass.)
// Tiles are [32][33] and indexed so that both the movers' coalesced accesses and the walker's
// (lane = line) accesses are free of bank conflicts. Chunks past the image edge are masked.
// V: register type (float, or int for uint16 data). An Op walks one line: op.step(value, k, n) gets
// the k-th value in pass order (k = 0 first) of a line of n values and returns that position's output.
// Launch: 128-thread blocks, block b owning lines [32 b, 32 b + 32); the kernel declares the ring
// `__shared__ V ring[4][32][33]` and passes it.
#pragma once

namespace robomlx::depth::detail {

inline constexpr const char* kCudaLineWalk = R"(
constexpr int RS_MOVERS = 96, RS_PER_MOVER = (1024 + RS_MOVERS - 1) / RS_MOVERS;

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

// One directional pass over lines [line0, line0 + 32): rows (ROWS) or columns of an h x w image.
// Chunk c holds positions [32 c, 32 c + 32) of the 32 lines, as ring[.][major][minor] with minor
// the image's contiguous axis (rows: [line][position], columns: [position][line]).
// Every thread of the block must call it; it ends with a __syncthreads.
template <bool ROWS, bool REV, typename V, typename T, typename Op>
__device__ void rs_pass(const T* src, T* dst, int h, int w, int line0, V (*ring)[32][33], Op& op) {
  const int n = ROWS ? w : h;
  const int nch = (n + 31) >> 5;
  const int tid = threadIdx.x, mt = tid - 32;
  const bool mover = tid >= 32;
  auto chunk = [&](int it) { return REV ? nch - 1 - it : it; };
  // Global index of ring element (major, minor) of chunk c, or -1 outside the image.
  auto where = [&](int c, int major, int minor) -> long long {
    const int y = ROWS ? line0 + major : 32 * c + major;
    const int x = ROWS ? 32 * c + minor : line0 + minor;
    return (y < h && x < w) ? (long long)y * w + x : -1;
  };
  V pre[RS_PER_MOVER];
  auto fetch = [&](int it) {
    const int c = chunk(it);
#pragma unroll
    for (int u = 0; u < RS_PER_MOVER; ++u) {
      const int e = mt + RS_MOVERS * u;
      const long long i = e < 1024 ? where(c, e >> 5, e & 31) : -1;
      pre[u] = i >= 0 ? (V)src[i] : (V)0;
    }
  };
  auto put = [&](int it) {
#pragma unroll
    for (int u = 0; u < RS_PER_MOVER; ++u) {
      const int e = mt + RS_MOVERS * u;
      if (e < 1024) ring[it & 3][e >> 5][e & 31] = pre[u];
    }
  };
  auto drain = [&](int it) {
    const int c = chunk(it);
#pragma unroll
    for (int u = 0; u < RS_PER_MOVER; ++u) {
      const int e = mt + RS_MOVERS * u;
      const long long i = e < 1024 ? where(c, e >> 5, e & 31) : -1;
      if (i >= 0) dst[i] = (T)ring[it & 3][e >> 5][e & 31];
    }
  };
  if (mover) {
    fetch(0);
    put(0);
    if (nch > 1) fetch(1);
  }
  __syncthreads();
  int k = 0;
  for (int it = 0; it <= nch; ++it) {
    if (mover) {
      if (it + 1 < nch) put(it + 1);
      if (it + 2 < nch) fetch(it + 2);
      if (it >= 1) drain(it - 1);
    } else if (it < nch) {
      const int lane = tid;
      V (*t)[33] = ring[it & 3];
      V r[32];
#pragma unroll
      for (int j = 0; j < 32; ++j) r[j] = ROWS ? t[lane][j] : t[j][lane];
      rs_walk<REV>(r, min(32, n - 32 * chunk(it)), k, n, op);
#pragma unroll
      for (int j = 0; j < 32; ++j) (ROWS ? t[lane][j] : t[j][lane]) = r[j];
    }
    __syncthreads();
  }
}
)";

}  // namespace robomlx::depth::detail
