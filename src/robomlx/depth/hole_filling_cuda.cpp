// SPDX-License-Identifier: Apache-2.0
// CUDA twin of hole filling (fast::cuda_kernel).
// Mode 0: the staged line walker of cuda_line_walk.h (one walking thread per row, 32 rows a block).
// Modes 1/2: one block sweeps skewed anti-diagonals. Thread i owns row y = i + 1 and handles its
// columns left to right, behind the row above, so the filled up/up-left/left neighbours it needs
// are ready: inside a warp they come by shuffle from the previous step (no barrier), between warps
// through a shared ring with a lag of S steps, so the block meets at a barrier only every S steps.
// The untouched input (own and down rows) is fetched B steps ahead into registers, so its latency
// overlaps the serial steps. Every swept pixel is written, so only the frame's border is copied first.
// Rows beyond one block's 512 threads are done in bands; a band's first row reads its up
// neighbours from the finished output.
#include <algorithm>
#include <stdexcept>
#include <string>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/cuda_line_walk.h"
#include "robomlx/depth/hole_filling_twins.h"

namespace robomlx::depth::detail {

namespace {
const char* kHeader = R"(
template <typename T> __device__ inline bool rs_empty(T v) { return v == T(0); }
template <> __device__ inline bool rs_empty<float>(float v) { return __float_as_int(v) == 0; }
// Lane - 1's value (uint16 travels as int).
template <typename T> __device__ inline T rs_shfl_up(T v) { return (T)__shfl_up_sync(0xffffffffu, (int)v, 1); }
template <> __device__ inline float rs_shfl_up<float>(float v) { return __shfl_up_sync(0xffffffffu, v, 1); }
)";

// Mode 0 as a line-walker op: an empty pixel takes its (filled) left neighbour.
const char* kFromLeftOp = R"(
template <typename V> struct RsFromLeft {
  V last;
  __device__ V step(V v, int k, int) {
    if (k > 0 && rs_empty(v)) v = last;
    last = v;
    return v;
  }
};
)";

const char* kFromLeft = R"(
  __shared__ V ring[4][32][33];
  const int h = inp_shape[0], w = inp_shape[1];
  const int row0 = blockIdx.x * 32;
  if (row0 >= h) return;
  RsFromLeft<V> op;
  rs_pass<true, false, V>(inp, out, h, w, row0, ring, op);
)";

// B: steps fetched ahead; S: steps between block barriers; R: ring size (> 2 S). T: element type;
// FAREST: mode 1.
const char* kAround = R"(
  constexpr int B = 8, S = 16, R = 64;
  __shared__ T ring[32][R];
  const int h = inp_shape[0], w = inp_shape[1];
  const int tid = threadIdx.x, nt = blockDim.x, lane = tid & 31, warp = tid >> 5;
  for (int x = tid; x < w; x += nt) {
    out[x] = inp[x];
    out[(long long)(h - 1) * w + x] = inp[(long long)(h - 1) * w + x];
  }
  for (int y = 1 + tid; y < h - 1; y += nt) out[(long long)y * w] = inp[(long long)y * w];
  __syncthreads();
  // Thread tid handles column x = t - skew at step t. Inside a warp the skew grows by one per lane
  // and the up neighbour comes from lane - 1's previous step by shuffle; each warp lags the one above
  // by S more steps, so lane 0 reads lane 31's (above) output S + 1 steps after it was written,
  // across at least one barrier, through a per-warp ring indexed by column.
  const int skew = tid + warp * S;
  for (int band = 1; band < h - 1; band += nt) {
    const int rows = min(nt, h - 1 - band);
    const int y = band + tid;
    const bool mine = tid < rows;
    const T* cur_row = inp + (long long)(mine ? y : 1) * w;
    const T* down_row = cur_row + w;
    // Lane 0 of warp 0 reads its up row from the output: row 0 or the previous band, finished.
    const T* up_row = out + (long long)(y - 1) * w;
    const bool top = tid == 0;
    const bool feeds_ring = lane == 31 && tid + 1 < rows;
    // Column 0 is never filled: its raw values start the left neighbours.
    T left = T(0), up_left = T(0), down_left = T(0), from_above = T(0);
    if (mine) {
      left = cur_row[0];
      up_left = cur_row[-w];
      down_left = down_row[0];
    }
    T cc[B], cd[B], cu[B], nc[B], nd[B], nu[B];
    auto fetch = [&](int x0, T (&c)[B], T (&d)[B], T (&u)[B]) {
#pragma unroll
      for (int j = 0; j < B; ++j) {
        const int x = x0 + j;
        const bool ok = mine && x >= 1 && x < w;
        c[j] = ok ? cur_row[x] : T(0);
        d[j] = ok ? down_row[x] : T(0);
        u[j] = ok && top ? up_row[x] : T(0);
      }
    };
    const int last_skew = (rows - 1) + ((rows - 1) >> 5) * S;
    const int t_end = w + last_skew;  // exclusive: the last row reaches column w - 1 at t_end - 1
    fetch(1 - skew, cc, cd, cu);
    for (int t0 = 1; t0 < t_end; t0 += B) {
      fetch(t0 + B - skew, nc, nd, nu);
#pragma unroll
      for (int j = 0; j < B; ++j) {
        const int t = t0 + j;
        if (t < t_end) {  // uniform over the block
          const int x = t - skew;
          T v = T(0);
          if (mine && x >= 1 && x < w) {
            const T up = top ? cu[j] : (lane == 0 ? ring[warp - 1][x & (R - 1)] : from_above);
            v = cc[j];
            if (rs_empty(v)) {
              v = up;
              const T cand[4] = {up_left, left, down_left, cd[j]};
#pragma unroll
              for (int c = 0; c < 4; ++c) {
                if (FAREST ? cand[c] > v : (!rs_empty(cand[c]) && cand[c] < v)) v = cand[c];
              }
            }
            out[(long long)y * w + x] = v;
            if (feeds_ring) ring[warp][x & (R - 1)] = v;
            up_left = up;
            left = v;
            down_left = cd[j];
          }
          from_above = rs_shfl_up(v);
          if (t % S == 0) __syncthreads();
        }
      }
#pragma unroll
      for (int j = 0; j < B; ++j) {
        cc[j] = nc[j];
        cd[j] = nd[j];
        cu[j] = nu[j];
      }
    }
    __syncthreads();
  }
)";

mx::array launch_around(const mx::array& x, bool farest, mx::Stream s) {
  static const auto kernel = mx::fast::cuda_kernel("rs_hole_fill_around", {"inp"}, {"out"}, kAround, kHeader, true);
  // At most 512 threads: the sweep uses ~80 registers a thread (1024 x 80 exceeds an SM's 64K).
  int threads = std::clamp(x.shape(0) - 2, 32, 512);
  threads = (threads + 31) / 32 * 32;
  return kernel({x}, {x.shape()}, {x.dtype()}, {threads, 1, 1}, {threads, 1, 1},
                {{"T", x.dtype()}, {"FAREST", farest}}, std::nullopt, false, s)[0];
}
}  // namespace

mx::array hole_filling_cuda(const mx::array& image, int mode, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.hole_filling/cuda] needs a CUDA GPU stream");
  if (image.shape(0) < 3 && mode != 0) return image;
  if (mode != 0) return launch_around(image, mode == 1, s);
  static const auto kernel = mx::fast::cuda_kernel(
      "rs_hole_fill_left", {"inp"}, {"out"}, kFromLeft, std::string(kHeader) + kCudaLineWalk + kFromLeftOp, true);
  const int threads = (image.shape(0) + 31) / 32 * 128;
  const auto v = image.dtype() == mx::float32 ? mx::float32 : mx::int32;
  return kernel({image}, {image.shape()}, {image.dtype()}, {threads, 1, 1}, {128, 1, 1}, {{"V", v}}, std::nullopt,
                false, s)[0];
}

}  // namespace robomlx::depth::detail
