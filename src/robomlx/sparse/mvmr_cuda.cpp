// SPDX-License-Identifier: Apache-2.0
// CUDA twins of MVMR and VVOR (fast::cuda_kernel, float32 accumulation; fp16/bf16 operands are
// upcast before the launch). Sizes travel in a small int32 `dims` input so one compiled kernel
// serves every shape.
//
// MVMR: a block owns a tile of 16 consecutive triplets x 128 output columns of one group. It
// stages the tile's b rows in shared memory 32 channels at a time; each thread keeps 16
// accumulators (one per triplet; 16 compiles to 128 registers, 32 needed 254) and re-reads a
// weight only when the tap changes between consecutive triplets, so tap-sorted triplets read
// each weight once per tile. Consecutive triplets with the same output are merged before the
// atomicAdd.
// VVOR: a block owns a tile of 64 triplets x a 16 x 16 patch of (M, C) of one group; each thread
// accumulates its (m, c) entry while the output stays the same and flushes with atomicAdd
// when it changes, so output-sorted triplets (the weight-gradient case) rarely hit atomics.
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/sparse/mvmr_detail.h"

namespace robomlx::sparse::detail {

namespace {

constexpr const char* kMvmrSource = R"(
  constexpr int TT = 16, CC = 32, NT = 128;
  __shared__ float sb[TT][CC + 1];
  __shared__ int sk[TT], sj[TT], si[TT];
  const int T = dims[0], G = dims[1], C = dims[2], M = dims[3];
  const int g = blockIdx.z;
  const int m = blockIdx.y * NT + threadIdx.x;
  const long long t0 = (long long)blockIdx.x * TT;
  const int n = (long long)T - t0 < TT ? (int)((long long)T - t0) : TT;
  if (threadIdx.x < TT) {
    bool ok = (int)threadIdx.x < n;
    long long t = t0 + threadIdx.x;
    sk[threadIdx.x] = ok ? a_idx[t] : -1;
    sj[threadIdx.x] = ok ? b_idx[t] : 0;
    si[threadIdx.x] = ok ? o_idx[t] : -1;
  }
  __syncthreads();
  float acc[TT];
#pragma unroll
  for (int q = 0; q < TT; ++q) acc[q] = 0.f;
  for (int c0 = 0; c0 < C; c0 += CC) {
    for (int e = threadIdx.x; e < TT * CC; e += NT) {
      int q = e / CC, c = c0 + e % CC;
      sb[q][e % CC] = (q < n && c < C) ? b[((long long)sj[q] * G + g) * C + c] : 0.f;
    }
    __syncthreads();
    if (m < M) {
      const int cn = min(CC, C - c0);
      for (int c = 0; c < cn; ++c) {
        int kprev = -2;
        float w = 0.f;
#pragma unroll
        for (int q = 0; q < TT; ++q) {
          const int k = sk[q];
          if (k != kprev) {
            w = k >= 0 ? a[(((long long)k * G + g) * C + c0 + c) * M + m] : 0.f;
            kprev = k;
          }
          acc[q] += sb[q][c] * w;
        }
      }
    }
    __syncthreads();
  }
  if (m < M) {
#pragma unroll
    for (int q = 0; q < TT; ++q) {
      const int i = si[q];
      if (i < 0) continue;
      if (q + 1 < TT && si[q + 1] == i) {
        acc[q + 1] += acc[q];
        continue;
      }
      atomicAdd(&o[((long long)i * G + g) * M + m], acc[q]);
    }
  }
)";

constexpr const char* kVvorSource = R"(
  constexpr int TT = 64, P = 16;
  __shared__ float sa[TT][P + 1], sb[TT][P + 1];
  __shared__ int si[TT];
  const int T = dims[0], G = dims[1], M = dims[2], C = dims[3];
  const int g = blockIdx.z;
  const int cblocks = (C + P - 1) / P;
  const int m0 = (blockIdx.y / cblocks) * P, c0 = (blockIdx.y % cblocks) * P;
  const int tm = threadIdx.x / P, tc = threadIdx.x % P;
  const long long t0 = (long long)blockIdx.x * TT;
  const int n = (long long)T - t0 < TT ? (int)((long long)T - t0) : TT;
  for (int e = threadIdx.x; e < TT * P; e += P * P) {
    int q = e / P, r = e % P;
    bool ok = q < n;
    long long t = t0 + q;
    sa[q][r] = (ok && m0 + r < M) ? a[((long long)a_idx[t] * G + g) * M + m0 + r] : 0.f;
    sb[q][r] = (ok && c0 + r < C) ? b[((long long)b_idx[t] * G + g) * C + c0 + r] : 0.f;
    if (r == 0) si[q] = ok ? o_idx[t] : -1;
  }
  __syncthreads();
  const int m = m0 + tm, c = c0 + tc;
  if (m >= M || c >= C) return;
  float acc = 0.f;
  int cur = si[0];
  for (int q = 0; q < n; ++q) {
    const int i = si[q];
    if (i != cur) {
      atomicAdd(&o[(((long long)cur * G + g) * M + m) * C + c], acc);
      acc = 0.f;
      cur = i;
    }
    acc += sa[q][tm] * sb[q][tc];
  }
  if (n > 0) atomicAdd(&o[(((long long)cur * G + g) * M + m) * C + c], acc);
)";

const mx::fast::CustomKernelFunction& mvmr_kernel() {
  static const auto k = mx::fast::cuda_kernel("robomlx_sparse_mvmr", {"a", "b", "a_idx", "b_idx", "o_idx", "dims"},
                                              {"o"}, kMvmrSource);
  return k;
}

const mx::fast::CustomKernelFunction& vvor_kernel() {
  static const auto k = mx::fast::cuda_kernel("robomlx_sparse_vvor", {"a", "b", "a_idx", "b_idx", "o_idx", "dims"},
                                              {"o"}, kVvorSource);
  return k;
}

int ceil_div(int64_t a, int64_t b) { return static_cast<int>((a + b - 1) / b); }

}  // namespace

mx::array mvmr_cuda(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs) {
  int T = a_idx.size(), G = a.shape(1), C = a.shape(2), M = a.shape(3);
  auto dims = mx::array({T, G, C, M});
  auto out = mvmr_kernel()({mx::astype(a, mx::float32), mx::astype(b, mx::float32), a_idx, b_idx, o_idx, dims},
                           {{num_outputs, G, M}}, {mx::float32}, {ceil_div(T, 16) * 128, ceil_div(M, 128), G},
                           {128, 1, 1}, {}, 0.0f, false, {})[0];
  return mx::astype(out, a.dtype());
}

mx::array vvor_cuda(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs) {
  int T = a_idx.size(), G = a.shape(1), M = a.shape(2), C = b.shape(2);
  auto dims = mx::array({T, G, M, C});
  auto out = vvor_kernel()({mx::astype(a, mx::float32), mx::astype(b, mx::float32), a_idx, b_idx, o_idx, dims},
                           {{num_outputs, G, M, C}}, {mx::float32},
                           {ceil_div(T, 64) * 256, ceil_div(M, 16) * ceil_div(C, 16), G}, {256, 1, 1}, {}, 0.0f,
                           false, {})[0];
  return mx::astype(out, a.dtype());
}

}  // namespace robomlx::sparse::detail
