// SPDX-License-Identifier: Apache-2.0
// CUDA twin of hole filling (fast::cuda_kernel).
// Mode 0: the staged line walker of cuda_line_walk.h (one walking thread per row, 32 rows a block).
// Modes 1/2: a pipeline of 32-row blocks sweeping skewed anti-diagonals (see kAround). The
// single-block sweep it replaces kept one SM busy for ~435 us at 640x360 on an H100.
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
// Lane src's value.
template <typename T> __device__ inline T rs_shfl(T v, int src) { return (T)__shfl_sync(0xffffffffu, (int)v, src); }
template <> __device__ inline float rs_shfl<float>(float v, int src) { return __shfl_sync(0xffffffffu, v, src); }
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

// Modes 1/2 across blocks. Block b owns rows y0 = 1 + 32 b .. y0 + 31: warp 0 sweeps them in
// skewed order (lane i, step t: column x = t - i), the up neighbour coming from lane i - 1's
// previous step by shuffle; warps 1-3 stage the raw rows y0 .. y0 + 32 (own rows and the row
// below) into a ring of 32-column shared chunks, one chunk ahead. Lane 0's up row is the previous
// block's last row: that block publishes, every 32 steps, how many leading columns of it are final
// (progress[b - 1], after a __threadfence), and this block waits for the next 32 before reading
// them (block 0 reads row 0, never changed). Blocks thus run as a pipeline, each about 64 columns
// behind the one above, on as many SMs as there are 32-row bands.
// T: element type; FAREST: mode 1. Launch: 128-thread blocks, one per 32 rows of rows 1 .. h - 2;
// `progress` is a zero-initialised int32 output, one entry per block.
const char* kAround = R"(
  constexpr int PAD = 34;  // lane i reads column t - i of row i: (i * 34 + t - i) % 32 differs per lane
  __shared__ T raw[4][33][PAD];
  const int h = inp_shape[0], w = inp_shape[1];
  const int tid = threadIdx.x, lane = tid & 31, b = blockIdx.x;
  const int y0 = 1 + 32 * b, y = y0 + lane;
  const bool mine = tid < 32 && y <= h - 2;
  // Borders are never swept: rows 0 and h - 1 (block 0's movers) and column 0 (each row's lane).
  if (b == 0 && tid >= 32) {
    for (int x = tid - 32; x < w; x += 96) {
      out[x] = inp[x];
      out[(long long)(h - 1) * w + x] = inp[(long long)(h - 1) * w + x];
    }
  }
  if (mine) out[(long long)y * w] = inp[(long long)y * w];
  auto stage = [&](int c) {  // raw rows y0 .. y0 + 32, columns 32 c .. 32 c + 31 -> raw[c & 3]
    for (int e = tid - 32; e < 33 * 32; e += 96) {
      const int r = e >> 5, x = 32 * c + (e & 31), yy = y0 + r;
      raw[c & 3][r][e & 31] = (yy < h && x < w) ? inp[(long long)yy * w + x] : T(0);
    }
  };
  if (tid >= 32) stage(0);
  __syncthreads();
  T left = T(0), up_left = T(0), down_left = T(0), from_above = T(0), up_chunk = T(0);
  if (mine) {
    left = inp[(long long)y * w];
    up_left = inp[(long long)(y - 1) * w];
    down_left = inp[(long long)(y + 1) * w];
  }
  const int supersteps = (w + 30) / 32 + 1;  // steps t = 0 .. w - 1 + 31
  for (int s = 0; s < supersteps; ++s) {
    if (tid >= 32) {
      if (32 * (s + 1) < w) stage(s + 1);
    } else {
      // Lane 0's up values for columns 32 s .. 32 s + 31, one per lane.
      const int xu = 32 * s + lane;
      if (b == 0) {
        up_chunk = xu < w ? inp[xu] : T(0);
      } else {
        const int need = min(32 * s + 32, w);
        if (lane == 0) {
          long long spins = 0;
          while (*(volatile int*)&progress[b - 1] < need) {
            if (++spins > (1ll << 24)) __trap();  // a stuck pipeline fails loudly, never hangs
          }
          __threadfence();
        }
        __syncwarp();
        up_chunk = xu < w ? __ldcg(out + (long long)(y0 - 1) * w + xu) : T(0);
      }
#pragma unroll 4
      for (int j = 0; j < 32; ++j) {
        const int t = 32 * s + j, x = t - lane;
        const T up_lane0 = rs_shfl(up_chunk, j);
        T v = T(0);
        if (mine && x >= 1 && x < w) {
          const T up = lane == 0 ? up_lane0 : from_above;
          const T down = raw[(x >> 5) & 3][lane + 1][x & 31];
          v = raw[(x >> 5) & 3][lane][x & 31];
          if (rs_empty(v)) {
            v = up;
            const T cand[4] = {up_left, left, down_left, down};
#pragma unroll
            for (int c = 0; c < 4; ++c) {
              if (FAREST ? cand[c] > v : (!rs_empty(cand[c]) && cand[c] < v)) v = cand[c];
            }
          }
          out[(long long)y * w + x] = v;
          up_left = up;
          left = v;
          down_left = down;
        }
        from_above = rs_shfl_up(v);
      }
      // Lane 31 has finished columns 0 .. 32 s of its row: publish them for the block below.
      __threadfence();
      if (lane == 31) *(volatile int*)&progress[b] = min(32 * s + 1, w);
    }
    __syncthreads();
  }
  if (tid == 31) *(volatile int*)&progress[b] = w;
)";

mx::array launch_around(const mx::array& x, bool farest, mx::Stream s) {
  static const auto kernel =
      mx::fast::cuda_kernel("rs_hole_fill_around_mb", {"inp"}, {"out", "progress"}, kAround, kHeader, true);
  const int blocks = (x.shape(0) - 2 + 31) / 32;
  return kernel({x}, {x.shape(), {blocks}}, {x.dtype(), mx::int32}, {blocks * 128, 1, 1}, {128, 1, 1},
                {{"T", x.dtype()}, {"FAREST", farest}}, 0, false, s)[0];
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
