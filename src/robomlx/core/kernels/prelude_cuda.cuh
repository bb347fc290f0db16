// SPDX-License-Identifier: Apache-2.0
// The kernel dialect's functions for CUDA (docs/kernels.md): GpuKernel puts this text first in
// every fast::cuda_kernel header; prelude_metal.cuh defines the same names for Metal. Each is a
// thin inline wrapper of one CUDA intrinsic, so the compiled kernels are those of plain CUDA.
// Warp functions assume the whole warp takes part (32 lanes, mask 0xffffffff).

// Barriers: the block (group) and the warp (SIMD group), with shared-memory ordering.
__device__ inline void rm_barrier() { __syncthreads(); }
__device__ inline void rm_simd_barrier() { __syncwarp(); }
// Orders this thread's global-memory writes before its later ones, for every block of the grid.
__device__ inline void rm_fence_device() { __threadfence(); }

// Warp shuffles: lane src's value; lane - d's (own value for lanes below d); lane + d's (own
// value for lanes past 31 - d); lane ^ m's.
template <typename T> __device__ inline T rm_shfl(T v, int src) { return __shfl_sync(0xffffffffu, v, src); }
template <typename T> __device__ inline T rm_shfl_up(T v, int d) { return __shfl_up_sync(0xffffffffu, v, d); }
template <typename T> __device__ inline T rm_shfl_down(T v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
template <typename T> __device__ inline T rm_shfl_xor(T v, int m) { return __shfl_xor_sync(0xffffffffu, v, m); }
// Votes: bit l set where lane l's p holds; the lanes running; the running lanes whose v equals this one's.
__device__ inline unsigned rm_ballot(bool p) { return __ballot_sync(0xffffffffu, p); }
__device__ inline unsigned rm_active_mask() { return __activemask(); }
template <typename T> __device__ inline unsigned rm_match_any(T v) { return __match_any_sync(__activemask(), v); }

// Bits: 1 + index of the lowest set bit (0 for 0); set bits of 32 / 64-bit values.
__device__ inline int rm_ffs(unsigned v) { return __ffs(v); }
__device__ inline int rm_popc(unsigned v) { return __popc(v); }
__device__ inline int rm_popc64(uint64_t v) { return __popcll(v); }
__device__ inline int rm_float_as_int(float v) { return __float_as_int(v); }
__device__ inline float rm_int_as_float(int v) { return __int_as_float(v); }
__device__ inline unsigned rm_float_as_uint(float v) { return __float_as_uint(v); }
__device__ inline float rm_uint_as_float(unsigned v) { return __uint_as_float(v); }

// Float arithmetic rounded once each, never contracted into an FMA (bit-exact ports).
__device__ inline float rm_fadd_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ inline float rm_fsub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ inline float rm_fmul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline float rm_fdiv_rn(float a, float b) { return __fdiv_rn(a, b); }

// Atomics on global or shared memory (relaxed; the old value).
template <typename T> __device__ inline T rm_atomic_add(T* p, T v) { return atomicAdd(p, v); }
__device__ inline unsigned rm_atomic_or(unsigned* p, unsigned v) { return atomicOr(p, v); }
// Adds v[0..3] to p[0..3] (p 16-byte aligned): one vector atomic on sm_90, four before.
__device__ inline void rm_atomic_add4(float* p, const float* v) {
#if __CUDA_ARCH__ >= 900
  atomicAdd(reinterpret_cast<float4*>(p), make_float4(v[0], v[1], v[2], v[3]));
#else
  for (int j = 0; j < 4; ++j) atomicAdd(p + j, v[j]);
#endif
}
// A flag in global memory that other blocks poll: stored and loaded as a whole, never cached.
__device__ inline void rm_flag_store(int* p, int v) { *(volatile int*)p = v; }
__device__ inline int rm_flag_load(int* p) { return *(volatile int*)p; }
// A load of data other blocks wrote (bypasses the SM's L1).
template <typename T> __device__ inline T rm_load_coherent(const T* p) { return __ldcg(p); }
// Stops the kernel with an error (a stuck pipeline fails loudly).
__device__ inline void rm_trap() { __trap(); }

// Pointers: the same memory as another element type (vector loads and stores), and whether a
// pointer allows 16-byte vector accesses.
template <typename U, typename T> __device__ inline const U* rm_reinterpret(const T* p) {
  return reinterpret_cast<const U*>(p);
}
template <typename U, typename T> __device__ inline U* rm_reinterpret(T* p) { return reinterpret_cast<U*>(p); }
template <typename T> __device__ inline bool rm_is_aligned16(const T* p) {
  return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}
