// SPDX-License-Identifier: Apache-2.0
// Host emulation of CUDA blocks for the fast::cuda_kernel texts (the kernels.emu.* ctests): each
// kernel body becomes a host function (gen_emu.py) and runs here. launch() runs every CUDA thread
// of a block as a fiber (ucontext) on this one OS thread, switching at __syncthreads, __syncwarp
// and warp shuffles, ballots and matches (which meet through per-warp slots); blocks run one after
// another in grid order, so a block may wait on flags that earlier blocks set (but a thread must
// not spin on another thread of its own block: fibers switch only at those sync points).
// __shared__ arrays are function statics, atomics go through std::atomic_ref.
// launch_serial() runs a block's threads one after another, for kernels whose threads never meet
// (a sync or shuffle there aborts with a message).
#pragma once
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#if defined(__APPLE__) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700  // macOS keeps the (deprecated) ucontext calls behind it
#endif
#include <ucontext.h>
#define __device__
#define __global__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __grid_constant__
#define __CUDA_ARCH__ 900
#define __align__(n) __attribute__((aligned(n)))

struct Dim { unsigned x = 1, y = 1, z = 1; };
inline Dim threadIdx, blockIdx, blockDim, gridDim;
inline int emu_linear = 0;  // the running thread's linear index in its block (warp = / 32)

// The block being run: one fiber per thread, a barrier count for the block and for each warp.
struct EmuFiber {
  ucontext_t context;
  std::unique_ptr<char[]> stack;
  Dim index;
  int waiting = 0;  // 0 runnable, 1 at the block barrier, 2 at its warp's barrier
  bool done = false;
};
struct EmuBlock {
  std::vector<EmuFiber> fibers;
  ucontext_t scheduler;
  int live = 0, arrived = 0;
  std::vector<int> warp_live, warp_arrived;
  std::vector<std::array<long long, 32>> slots;
  const std::function<void()>* kernel = nullptr;
  bool active = false;
};
inline EmuBlock g_block;

inline void emu_need_threads(const char* what) {
  if (!g_block.active) {
    std::fprintf(stderr, "emu: %s in a kernel run by launch_serial(); use launch()\n", what);
    std::abort();
  }
}
// Waits until every live thread of the block (kind 1) or of this warp (kind 2) has arrived.
inline void emu_wait(int kind) {
  EmuBlock& b = g_block;
  const int w = emu_linear / 32;
  int& arrived = kind == 1 ? b.arrived : b.warp_arrived[w];
  const int live = kind == 1 ? b.live : b.warp_live[w];
  if (++arrived == live) {  // the last one releases the others
    arrived = 0;
    for (size_t t = 0; t < b.fibers.size(); ++t)
      if (b.fibers[t].waiting == kind && (kind == 1 || int(t) / 32 == w)) b.fibers[t].waiting = 0;
    return;
  }
  EmuFiber& me = b.fibers[emu_linear];
  me.waiting = kind;
  swapcontext(&me.context, &b.scheduler);
}
inline void __syncwarp(unsigned = 0xffffffffu) {
  emu_need_threads("__syncwarp");
  emu_wait(2);
}
inline void __syncthreads() {
  emu_need_threads("__syncthreads");
  emu_wait(1);
}

// Arithmetic with CUDA's names. Build with -ffp-contract=off: the *_rn forms must not fuse.
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fdiv_rn(float a, float b) { volatile float r = a / b; return r; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned i; std::memcpy(&i, &f, 4); return i; }
inline float __uint_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __popc(unsigned v) { return std::popcount(v); }
inline int __popcll(unsigned long long v) { return std::popcount(v); }
inline int __ffs(unsigned v) { return v ? std::countr_zero(v) + 1 : 0; }
struct uint4 { unsigned x, y, z, w; };
struct float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
using std::abs; using std::isnan; using std::max; using std::min;
using std::fabs; using std::fmax; using std::fmin;
inline float fminf(float a, float b) { return std::fmin(a, b); }
inline float fmaxf(float a, float b) { return std::fmax(a, b); }
inline float fabsf(float a) { return std::fabs(a); }

// Atomics.
template <typename T> T atomicAdd(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v); }
inline unsigned atomicOr(unsigned* p, unsigned v) { return std::atomic_ref<unsigned>(*p).fetch_or(v); }
// sm_90's vector atomic: four float atomics here, and the 16-byte alignment it requires checked.
inline void atomicAdd(float4* p, float4 v) {
  float* f = reinterpret_cast<float*>(p);
  if (reinterpret_cast<std::uintptr_t>(f) % 16) { std::fprintf(stderr, "misaligned float4 atomic\n"); std::abort(); }
  atomicAdd(f, v.x); atomicAdd(f + 1, v.y); atomicAdd(f + 2, v.z); atomicAdd(f + 3, v.w);
}
template <typename T> T __ldcg(const T* p) { return *p; }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __trap() { std::fprintf(stderr, "emu: __trap\n"); std::abort(); }

// Warp exchanges: every lane publishes v, then reads lane from(lane) (own value when -1).
template <typename T, typename From> T emu_exchange(T v, From from) {
  emu_need_threads("a warp shuffle");
  const int w = emu_linear / 32, lane = emu_linear % 32;
  long long bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  g_block.slots[w][lane] = bits;
  emu_wait(2);
  T r = v;
  if (const int f = from(lane); f >= 0) std::memcpy(&r, &g_block.slots[w][f], sizeof(T));
  emu_wait(2);
  return r;
}
template <typename T> T __shfl_up_sync(unsigned, T v, int d) {
  return emu_exchange(v, [=](int l) { return l >= d ? l - d : -1; });
}
template <typename T> T __shfl_sync(unsigned, T v, int src) { return emu_exchange(v, [=](int) { return src; }); }
template <typename T> T __shfl_down_sync(unsigned, T v, int d, int width = 32) {
  return emu_exchange(v, [=](int l) { return l % width + d < width ? l + d : -1; });
}
template <typename T> T __shfl_xor_sync(unsigned, T v, int m) { return emu_exchange(v, [=](int l) { return l ^ m; }); }
inline int emu_warp_size() {
  return std::min<int>(32, int(g_block.fibers.size()) - emu_linear / 32 * 32);
}
inline unsigned __ballot_sync(unsigned, bool p) {
  unsigned m = 0;
  for (int l = 0; l < emu_warp_size(); ++l)
    m |= unsigned(emu_exchange(int(p), [=](int) { return l; }) != 0) << l;
  return m;
}
// The lanes of the warp (no lane leaves before the kernels' matches).
inline unsigned __activemask() {
  const int n = g_block.active ? emu_warp_size() : 32;
  return n == 32 ? 0xffffffffu : (1u << n) - 1u;
}
template <typename T> unsigned __match_any_sync(unsigned mask, T v) {
  unsigned m = 0;
  for (int l = 0; l < emu_warp_size(); ++l)
    if (((mask >> l) & 1u) && emu_exchange(v, [=](int) { return l; }) == v) m |= 1u << l;
  return m;
}

// MLX's Shape / Strides arguments (by value; up to 8 dimensions).
struct Shape {
  int d[8] = {};
  int operator[](int i) const { return d[i]; }
};
struct Strides {
  long long d[8] = {};
  long long operator[](int i) const { return d[i]; }
};

inline Dim emu_thread_index(const Dim& block, int t) {
  return {unsigned(t) % block.x, unsigned(t) / block.x % block.y, unsigned(t) / (block.x * block.y)};
}

inline void emu_fiber_main() {
  (*g_block.kernel)();
  // A thread that returned leaves the barriers, which may release the others.
  EmuBlock& b = g_block;
  EmuFiber& me = b.fibers[emu_linear];
  me.done = true;
  const int w = emu_linear / 32;
  if (--b.live > 0 && b.arrived == b.live) {
    b.arrived = 0;
    for (auto& f : b.fibers)
      if (f.waiting == 1) f.waiting = 0;
  }
  if (--b.warp_live[w] > 0 && b.warp_arrived[w] == b.warp_live[w]) {
    b.warp_arrived[w] = 0;
    for (size_t t = 32 * w; t < b.fibers.size() && int(t) < 32 * w + 32; ++t)
      if (b.fibers[t].waiting == 2) b.fibers[t].waiting = 0;
  }
  swapcontext(&me.context, &b.scheduler);
}

// Runs kernel() over a grid of `grid` blocks of `block` threads.
inline void launch(Dim grid, Dim block, const std::function<void()>& kernel) {
  constexpr size_t kStack = 256 * 1024;
  const int threads = int(block.x * block.y * block.z);
  blockDim = block;
  gridDim = grid;
  EmuBlock& b = g_block;
  b.kernel = &kernel;
  b.fibers.resize(threads);
  for (auto& f : b.fibers)
    if (!f.stack) f.stack.reset(new char[kStack]);  // not zeroed: pages come on use
  const int warps = (threads + 31) / 32;
  b.slots.assign(warps, {});
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = {x, y, z};
        b.live = threads;
        b.arrived = 0;
        b.warp_live.assign(warps, 32);
        b.warp_live.back() = threads - 32 * (warps - 1);
        b.warp_arrived.assign(warps, 0);
        b.active = true;
        for (int t = 0; t < threads; ++t) {
          EmuFiber& f = b.fibers[t];
          f.index = emu_thread_index(block, t);
          f.waiting = 0;
          f.done = false;
          getcontext(&f.context);
          f.context.uc_stack.ss_sp = f.stack.get();
          f.context.uc_stack.ss_size = kStack;
          f.context.uc_link = nullptr;
          makecontext(&f.context, emu_fiber_main, 0);
        }
        // Round robin over runnable threads until all have returned.
        for (int left = threads; left > 0;) {
          bool ran = false;
          for (int t = 0; t < threads; ++t) {
            EmuFiber& f = b.fibers[t];
            if (f.done || f.waiting) continue;
            threadIdx = f.index;
            emu_linear = t;
            swapcontext(&b.scheduler, &f.context);
            ran = true;
            if (f.done) --left;
          }
          if (!ran) {
            std::fprintf(stderr, "emu: deadlock: every live thread of block (%u, %u, %u) waits\n", x, y, z);
            std::abort();
          }
        }
      }
  b.active = false;
}

// The same grid with the threads of a block run one after another (kernels whose threads never meet).
inline void launch_serial(Dim grid, Dim block, const std::function<void()>& kernel) {
  const int threads = int(block.x * block.y * block.z);
  blockDim = block;
  gridDim = grid;
  g_block.active = false;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x)
        for (int t = 0; t < threads; ++t) {
          blockIdx = {x, y, z};
          threadIdx = emu_thread_index(block, t);
          emu_linear = t;
          kernel();
        }
}

// MLX's launch arguments: `grid` counts threads (blocks = ceil(grid / block) per axis).
inline Dim mlx_blocks(Dim grid, Dim block) {
  return {(grid.x + block.x - 1) / block.x, (grid.y + block.y - 1) / block.y, (grid.z + block.z - 1) / block.z};
}
inline void mlx_launch(Dim grid, Dim block, const std::function<void()>& kernel) {
  launch(mlx_blocks(grid, block), block, kernel);
}
inline void mlx_launch_serial(Dim grid, Dim block, const std::function<void()>& kernel) {
  launch_serial(mlx_blocks(grid, block), block, kernel);
}

// Shape{h, w} from sizes.
inline Shape shape_of(std::initializer_list<int> dims) {
  Shape s;
  int i = 0;
  for (int d : dims) s.d[i++] = d;
  return s;
}

// Test bookkeeping: checks print the first few failures and count them; the test fails on any.
inline int g_failures = 0;
inline void emu_fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline void emu_fail(const char* fmt, ...) {
  if (g_failures++ < 10) {
    va_list args;
    va_start(args, fmt);
    std::vfprintf(stdout, fmt, args);
    va_end(args);
    std::fputc('\n', stdout);
  }
}
// Bit-for-bit comparison of an h x w image; reports the first mismatch.
template <typename T>
void emu_compare_bits(const std::vector<T>& got, const std::vector<T>& want, const char* what, int h, int w) {
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(T))) {
      emu_fail("%s %dx%d at (%zu, %zu): %g, want %g", what, h, w, i / w, i % w, double(got[i]), double(want[i]));
      return;
    }
}
inline int emu_finish(const char* name) {
  std::printf("%s: %s (%d mismatches)\n", name, g_failures ? "FAIL" : "ALL OK", g_failures);
  return g_failures ? 1 : 0;
}
