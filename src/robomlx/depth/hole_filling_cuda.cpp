// SPDX-License-Identifier: Apache-2.0
// CUDA twin of hole filling (fast::cuda_kernel).
// Mode 0: one thread per row. Modes 1/2: one block sweeps anti-diagonals. Thread i owns row
// y = i + 1 and at step t handles column x = t - i, so the filled up/up-left/left neighbours it
// needs were produced one or two steps earlier (handed over through shared memory, double
// buffered, one __syncthreads per step); down neighbours are read from the untouched input, one
// step ahead so that load latency overlaps the barrier.
// Rows beyond one block's 1024 threads are done in bands; a band's first row reads its up
// neighbours from the finished output.
#include <algorithm>
#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/hole_filling_twins.h"

namespace robomlx::depth::detail {

namespace {
const char* kHeader = R"(
template <typename T> __device__ inline bool rs_empty(T v) { return v == T(0); }
template <> __device__ inline bool rs_empty<float>(float v) { return __float_as_int(v) == 0; }
)";

const char* kFromLeft = R"(
  int y = blockIdx.x * blockDim.x + threadIdx.x;
  int h = inp_shape[0], w = inp_shape[1];
  if (y >= h) return;
  const T* src = inp + (long long)y * w;
  T* p = out + (long long)y * w;
  T last = src[0];
  p[0] = last;
  for (int x = 1; x < w; ++x) {
    T v = src[x];
    if (rs_empty(v)) v = last;
    p[x] = v;
    last = v;
  }
)";

const char* kAround = R"(
  __shared__ T handoff[2][1024];
  int h = inp_shape[0], w = inp_shape[1];
  int tid = threadIdx.x, nt = blockDim.x;
  for (long long k = tid; k < (long long)h * w; k += nt) out[k] = inp[k];
  __syncthreads();
  for (int band = 1; band < h - 1; band += nt) {
    int rows = min(nt, h - 1 - band);
    int y = band + tid;
    bool mine = tid < rows;
    const T* cur_row = inp + (long long)y * w;
    const T* down_row = inp + (long long)(y + 1) * w;
    // Thread 0's up row is finished (row 0 or the previous band), so it is prefetched too.
    const T* up_row = out + (long long)(y - 1) * w;
    T left = T(0), up_left = T(0), down_left = T(0), cur = T(0), down = T(0), up0 = T(0);
    if (mine) {
      left = cur_row[0];
      up_left = up_row[0];
      down_left = down_row[0];
      if (tid == 0) { cur = cur_row[1]; down = down_row[1]; up0 = up_row[1]; }
    }
    for (int t = 1; t < w + rows - 1; ++t) {
      int x = t - tid;
      bool active = mine && x >= 1 && x < w;
      // The untouched input is read one step ahead so its latency overlaps the barrier.
      T next_cur = T(0), next_down = T(0), next_up0 = T(0);
      if (mine && x + 1 >= 1 && x + 1 < w) {
        next_cur = cur_row[x + 1];
        next_down = down_row[x + 1];
        if (tid == 0) next_up0 = up_row[x + 1];
      }
      if (active) {
        T up = tid == 0 ? up0 : handoff[(t - 1) & 1][tid - 1];
        T filled = cur;
        if (rs_empty(cur)) {
          T v = up;
          T cand[4] = {up_left, left, down_left, down};
          for (int c = 0; c < 4; ++c) {
            if (FAREST ? cand[c] > v : (!rs_empty(cand[c]) && cand[c] < v)) v = cand[c];
          }
          filled = v;
          out[(long long)y * w + x] = v;
        }
        handoff[t & 1][tid] = filled;
        up_left = up;
        left = filled;
        down_left = down;
      }
      cur = next_cur;
      down = next_down;
      up0 = next_up0;
      __syncthreads();
    }
  }
)";

mx::array launch_around(const mx::array& x, bool farest, mx::Stream s) {
  static const auto kernel = mx::fast::cuda_kernel("rs_hole_fill_around", {"inp"}, {"out"}, kAround, kHeader);
  int threads = std::clamp(x.shape(0) - 2, 32, 1024);
  threads = (threads + 31) / 32 * 32;
  return kernel({x}, {x.shape()}, {x.dtype()}, {threads, 1, 1}, {threads, 1, 1},
                {{"T", x.dtype()}, {"FAREST", farest}}, std::nullopt, false, s)[0];
}
}  // namespace

mx::array hole_filling_cuda(const mx::array& image, int mode, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.hole_filling/cuda] needs a CUDA GPU stream");
  if (image.shape(0) < 3 && mode != 0) return image;
  if (mode != 0) return launch_around(image, mode == 1, s);
  static const auto kernel = mx::fast::cuda_kernel("rs_hole_fill_left", {"inp"}, {"out"}, kFromLeft, kHeader);
  return kernel({image}, {image.shape()}, {image.dtype()}, {image.shape(0), 1, 1}, {64, 1, 1},
                {{"T", image.dtype()}}, std::nullopt, false, s)[0];
}

}  // namespace robomlx::depth::detail
