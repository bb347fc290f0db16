// SPDX-License-Identifier: Apache-2.0
// Host emulation of CUDA blocks for the fast::cuda_kernel sources (tests/sparse/cuda_emu,
// tests/depth/cuda_emu): one std::thread per CUDA thread, barriers for __syncwarp/__syncthreads,
// shuffles and ballots through per-warp slots, atomics through std::atomic_ref.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <array>
#include <bit>
#include <memory>
#include <thread>
#include <vector>
#define __device__
#define __global__
#define __host__
#define __forceinline__ inline
#define __shared__ static thread_local_shared
#define thread_local_shared
#define __grid_constant__
struct Dim { unsigned x = 0, y = 0, z = 0; };
inline thread_local Dim threadIdx, blockIdx;
inline Dim blockDim, gridDim;
inline std::barrier<>* g_bar = nullptr;
inline std::vector<std::barrier<>*> g_warp_bars;
inline std::vector<std::array<long long, 32>> g_slots;
inline void __syncwarp(unsigned = 0xffffffffu) { g_warp_bars[threadIdx.x / 32]->arrive_and_wait(); }
inline void __syncthreads() { g_bar->arrive_and_wait(); }
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fdiv_rn(float a, float b) { volatile float r = a / b; return r; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned i; std::memcpy(&i, &f, 4); return i; }
inline float __uint_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
struct uint4 { unsigned x, y, z, w; };
using std::min; using std::max; using std::abs;
inline float fminf(float a, float b) { return std::fmin(a, b); }
inline float fmaxf(float a, float b) { return std::fmax(a, b); }
#define __CUDA_ARCH__ 900
#define __align__(n) __attribute__((aligned(n)))
template <typename T> T atomicAdd(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v); }
inline unsigned atomicOr(unsigned* p, unsigned v) { return std::atomic_ref<unsigned>(*p).fetch_or(v); }
struct float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
// sm_90's vector atomic: four float atomics here, and the 16-byte alignment it requires checked.
inline void atomicAdd(float4* p, float4 v) {
  float* f = reinterpret_cast<float*>(p);
  if (reinterpret_cast<std::uintptr_t>(f) % 16) { std::fprintf(stderr, "misaligned float4 atomic\n"); std::abort(); }
  atomicAdd(f, v.x); atomicAdd(f + 1, v.y); atomicAdd(f + 2, v.z); atomicAdd(f + 3, v.w);
}
inline int __ffs(unsigned v) { return v ? std::countr_zero(v) + 1 : 0; }
// A shuffle: publish v, read lane from(lane) of the same warp (own value when from is -1).
template <typename T, typename From> T rs_exchange(T v, From from) {
  const int w = threadIdx.x / 32, lane = threadIdx.x % 32;
  long long bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  g_slots[w][lane] = bits;
  g_warp_bars[w]->arrive_and_wait();
  T r = v;
  if (const int f = from(lane); f >= 0) std::memcpy(&r, &g_slots[w][f], sizeof(T));
  g_warp_bars[w]->arrive_and_wait();
  return r;
}
template <typename T> T __shfl_up_sync(unsigned, T v, int d) {
  return rs_exchange(v, [=](int l) { return l >= d ? l - d : -1; });
}
template <typename T> T __shfl_sync(unsigned, T v, int src) { return rs_exchange(v, [=](int) { return src; }); }
template <typename T> T __shfl_down_sync(unsigned, T v, int d, int width = 32) {
  return rs_exchange(v, [=](int l) { return l % width + d < width ? l + d : -1; });
}
template <typename T> T __shfl_xor_sync(unsigned, T v, int m) { return rs_exchange(v, [=](int l) { return l ^ m; }); }
inline unsigned __ballot_sync(unsigned, bool p) {
  unsigned m = 0;
  for (int l = 0; l < 32; ++l) m |= unsigned(rs_exchange(int(p), [=](int) { return l; }) != 0) << l;
  return m;
}
template <typename T> T __ldcg(const T* p) { return *p; }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __trap() { std::abort(); }
struct Shape { int d[8]; int operator[](int i) const { return d[i]; } };
// Runs kernel(…) over a gx x gy x gz grid of `threads`-thread blocks, one block at a time (the
// whole block concurrently), in block order: a block may wait on flags set by earlier blocks.
inline void launch(unsigned gx, unsigned gy, unsigned gz, int threads, const std::function<void()>& k) {
  blockDim = {unsigned(threads), 1, 1};
  gridDim = {gx, gy, gz};
  for (unsigned z = 0; z < gz; ++z)
    for (unsigned y = 0; y < gy; ++y)
      for (unsigned x = 0; x < gx; ++x) {
        std::barrier<> bar(threads);
        g_bar = &bar;
        std::vector<std::unique_ptr<std::barrier<>>> wb;
        g_warp_bars.clear();
        for (int w = 0; w < (threads + 31) / 32; ++w) {
          wb.push_back(std::make_unique<std::barrier<>>(std::min(32, threads - 32 * w)));
          g_warp_bars.push_back(wb.back().get());
        }
        g_slots.assign(wb.size(), {});
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t)
          ts.emplace_back([&, x, y, z, t] {
            blockIdx = {x, y, z};
            threadIdx = {unsigned(t), 0, 0};
            k();
            bar.arrive_and_drop();
            g_warp_bars[t / 32]->arrive_and_drop();
          });
        for (auto& t : ts) t.join();
      }
}
inline void launch(int blocks, int threads, const std::function<void()>& k) { launch(unsigned(blocks), 1, 1, threads, k); }
