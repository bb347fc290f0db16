// SPDX-License-Identifier: Apache-2.0
// The kernel dialect's functions for Metal (docs/kernels.md): GpuKernel puts this text first in
// every fast::metal_kernel header (after MLX's own preamble: metal_stdlib, `using namespace
// metal`); prelude_cuda.cuh defines the same names for CUDA. UNVERIFIED on Apple hardware: it is
// compile-checked on Linux by clang against tests/metal_stub/metal_stub.h only.
// SIMD-group functions assume Apple GPUs' 32-wide SIMD groups and that every lane takes part.
// Pointer arguments come in each address space a kernel may pass (an input of fewer than 8
// elements is `constant`, others `device`; shared arrays are `threadgroup`).
// Not as in CUDA: float arithmetic may be contracted into FMAs (no per-operation rounding
// control), so kernels that are bit-exact on CUDA may differ in the last bit here; pointer
// alignment cannot be read, so rm_is_aligned16 answers false (scalar paths).

inline void rm_barrier() { threadgroup_barrier(mem_flags::mem_threadgroup); }
inline void rm_simd_barrier() { simdgroup_barrier(mem_flags::mem_threadgroup); }
inline void rm_fence_device() {
#if __METAL_VERSION__ >= 320
  atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device);
#endif
}

template <typename T> inline T rm_shfl(T v, int src) { return simd_shuffle(v, ushort(src)); }
template <typename T> inline T rm_shfl_up(T v, int d) { return simd_shuffle_up(v, ushort(d)); }
template <typename T> inline T rm_shfl_down(T v, int d) { return simd_shuffle_down(v, ushort(d)); }
template <typename T> inline T rm_shfl_xor(T v, int m) { return simd_shuffle_xor(v, ushort(m)); }
inline uint rm_ballot(bool p) { return uint(static_cast<simd_vote::vote_t>(simd_ballot(p))); }
inline uint rm_active_mask() { return uint(static_cast<simd_vote::vote_t>(simd_active_threads_mask())); }
// No match instruction: one round per distinct value among the running lanes (a leader's value
// is broadcast, its equals vote), uniform across the SIMD group.
template <typename T> inline uint rm_match_any(T v) {
  const uint active = rm_active_mask();
  uint peers = 0;
  for (uint todo = active; todo != 0;) {
    const T lead = simd_shuffle(v, ushort(ctz(todo)));
    const uint same = rm_ballot(v == lead) & active;
    if (v == lead) peers = same;
    todo &= ~same;
  }
  return peers;
}

inline int rm_ffs(uint v) { return v == 0 ? 0 : int(ctz(v)) + 1; }
inline int rm_popc(uint v) { return int(popcount(v)); }
inline int rm_popc64(uint64_t v) { return int(popcount(uint(v))) + int(popcount(uint(v >> 32))); }
inline int rm_float_as_int(float v) { return as_type<int>(v); }
inline float rm_int_as_float(int v) { return as_type<float>(v); }
inline uint rm_float_as_uint(float v) { return as_type<uint>(v); }
inline float rm_uint_as_float(uint v) { return as_type<float>(v); }

inline float rm_fadd_rn(float a, float b) { return a + b; }
inline float rm_fsub_rn(float a, float b) { return a - b; }
inline float rm_fmul_rn(float a, float b) { return a * b; }
inline float rm_fdiv_rn(float a, float b) { return precise::divide(a, b); }

// Atomics on plain arrays (atomic types share their representation); relaxed, as CUDA's.
template <typename T> inline T rm_atomic_add(device T* p, T v) {
  return atomic_fetch_add_explicit(reinterpret_cast<device atomic<T>*>(p), v, memory_order_relaxed);
}
template <typename T> inline T rm_atomic_add(threadgroup T* p, T v) {
  return atomic_fetch_add_explicit(reinterpret_cast<threadgroup atomic<T>*>(p), v, memory_order_relaxed);
}
inline uint rm_atomic_or(device uint* p, uint v) {
  return atomic_fetch_or_explicit(reinterpret_cast<device atomic_uint*>(p), v, memory_order_relaxed);
}
inline uint rm_atomic_or(threadgroup uint* p, uint v) {
  return atomic_fetch_or_explicit(reinterpret_cast<threadgroup atomic_uint*>(p), v, memory_order_relaxed);
}
inline void rm_atomic_add4(device float* p, thread const float* v) {
  for (int j = 0; j < 4; ++j) rm_atomic_add(p + j, v[j]);
}
inline void rm_flag_store(device int* p, int v) {
  atomic_store_explicit(reinterpret_cast<device atomic_int*>(p), v, memory_order_relaxed);
}
inline int rm_flag_load(device int* p) {
  return atomic_load_explicit(reinterpret_cast<device atomic_int*>(p), memory_order_relaxed);
}
template <typename T> inline T rm_load_coherent(const device T* p) { return *p; }
// No trap instruction: callers stop themselves after it.
inline void rm_trap() {}

template <typename U, typename T> inline const device U* rm_reinterpret(const device T* p) {
  return reinterpret_cast<const device U*>(p);
}
template <typename U, typename T> inline device U* rm_reinterpret(device T* p) {
  return reinterpret_cast<device U*>(p);
}
template <typename U, typename T> inline const constant U* rm_reinterpret(const constant T* p) {
  return reinterpret_cast<const constant U*>(p);
}
template <typename U, typename T> inline const threadgroup U* rm_reinterpret(const threadgroup T* p) {
  return reinterpret_cast<const threadgroup U*>(p);
}
template <typename U, typename T> inline threadgroup U* rm_reinterpret(threadgroup T* p) {
  return reinterpret_cast<threadgroup U*>(p);
}
template <typename P> inline bool rm_is_aligned16(P) { return false; }
