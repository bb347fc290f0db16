// SPDX-License-Identifier: Apache-2.0
// A stand-in for the Metal Shading Language's headers and MLX's Metal preamble, so that clang can
// check robomlx's generated Metal kernels as C++17 on a machine without Metal (ctest
// kernels.metal_clang, metal_check.py). It declares what the kernels may use, with Metal's
// restrictions where C++ can express them:
// - address spaces are distinct clang address spaces, so handing device memory to a pointer of
//   another space (or of none) fails as on Metal; `thread` is empty (clang has no address space
//   for automatic variables: metal_check.py makes threadgroup arrays `static` for the same reason);
// - atomic<T> only for Metal's atomic types; simd functions only for 32-bit-or-smaller scalars
//   (64-bit and bool through MLX's preamble overloads, as there);
// - min/max of one type (no int/uint mixing), no double, no printf, no CUDA names (poisoned).
// It cannot see Metal's language limits beyond these (recursion, memory and thread limits, what a
// function is allowed where); metal_check.py lints a few more by pattern. Nothing here runs.
#pragma once

#include <cstddef>
#include <cstdint>

#define device __attribute__((address_space(1)))
#define constant __attribute__((address_space(2)))
#define threadgroup __attribute__((address_space(3)))
#define thread
#define METAL_FUNC inline
#define __METAL_VERSION__ 320

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef unsigned long ulong;

#define RM_STUB_VECTORS(T)                                  \
  typedef T T##2 __attribute__((ext_vector_type(2)));       \
  typedef T T##3 __attribute__((ext_vector_type(3)));       \
  typedef T T##4 __attribute__((ext_vector_type(4)));
RM_STUB_VECTORS(float)
RM_STUB_VECTORS(int)
RM_STUB_VECTORS(uint)
RM_STUB_VECTORS(short)
RM_STUB_VECTORS(ushort)
RM_STUB_VECTORS(char)
RM_STUB_VECTORS(uchar)
#undef RM_STUB_VECTORS

namespace metal {

template <typename T, typename U> struct rm_stub_same { static constexpr bool value = false; };
template <typename T> struct rm_stub_same<T, T> { static constexpr bool value = true; };
template <typename T> struct rm_stub_scalar32 {
  static constexpr bool value = rm_stub_same<T, float>::value || rm_stub_same<T, int>::value ||
                                rm_stub_same<T, uint>::value || rm_stub_same<T, short>::value ||
                                rm_stub_same<T, ushort>::value || rm_stub_same<T, char>::value ||
                                rm_stub_same<T, uchar>::value || rm_stub_same<T, signed char>::value;
};
template <typename T> struct rm_stub_integer {
  static constexpr bool value = rm_stub_same<T, int>::value || rm_stub_same<T, uint>::value ||
                                rm_stub_same<T, short>::value || rm_stub_same<T, ushort>::value ||
                                rm_stub_same<T, char>::value || rm_stub_same<T, uchar>::value ||
                                rm_stub_same<T, long>::value || rm_stub_same<T, ulong>::value ||
                                rm_stub_same<T, signed char>::value;
};

// Barriers and fences.
enum class mem_flags { mem_none = 0, mem_device = 1, mem_threadgroup = 2, mem_texture = 4 };
enum memory_order { memory_order_relaxed, memory_order_seq_cst };
enum thread_scope { thread_scope_thread, thread_scope_simdgroup, thread_scope_threadgroup, thread_scope_device };
void threadgroup_barrier(mem_flags);
void simdgroup_barrier(mem_flags);
void atomic_thread_fence(mem_flags, memory_order, thread_scope = thread_scope_device);

// SIMD groups (32 lanes on Apple GPUs).
template <typename T> T simd_shuffle(T v, ushort lane) {
  static_assert(rm_stub_scalar32<T>::value, "simd_shuffle: 32-bit or smaller scalar (64-bit/bool via MLX's overloads)");
  return v;
}
template <typename T> T simd_shuffle_up(T v, ushort d) {
  static_assert(rm_stub_scalar32<T>::value, "simd_shuffle_up: 32-bit or smaller scalar");
  return v;
}
template <typename T> T simd_shuffle_down(T v, ushort d) {
  static_assert(rm_stub_scalar32<T>::value, "simd_shuffle_down: 32-bit or smaller scalar");
  return v;
}
template <typename T> T simd_shuffle_xor(T v, ushort m) {
  static_assert(rm_stub_scalar32<T>::value, "simd_shuffle_xor: 32-bit or smaller scalar");
  return v;
}
template <typename T> T simd_broadcast(T v, ushort lane) { return simd_shuffle(v, lane); }
template <typename T> T simd_sum(T v) { return v; }
template <typename T> T simd_min(T v) { return v; }
template <typename T> T simd_max(T v) { return v; }
template <typename T> T simd_prefix_inclusive_sum(T v) { return v; }
template <typename T> T simd_prefix_exclusive_sum(T v) { return v; }
struct simd_vote {
  typedef ulong vote_t;
  explicit constexpr simd_vote(vote_t v = 0) : v_(v) {}
  explicit constexpr operator vote_t() const { return v_; }
  bool all() const;
  bool any() const;

 private:
  vote_t v_;
};
simd_vote simd_ballot(bool);
simd_vote simd_active_threads_mask();
bool simd_all(bool);
bool simd_any(bool);

// Atomics: int, uint, bool, float (float: add, sub, load, store, exchange; device memory only).
template <typename T> struct atomic {
  static_assert(rm_stub_same<T, int>::value || rm_stub_same<T, uint>::value || rm_stub_same<T, bool>::value ||
                    rm_stub_same<T, float>::value,
                "Metal atomics: int, uint, bool or float");
  T rm_stub_value;
};
typedef atomic<int> atomic_int;
typedef atomic<uint> atomic_uint;
typedef atomic<bool> atomic_bool;
typedef atomic<float> atomic_float;
template <typename T> struct rm_stub_int_atomic {
  static constexpr bool value = rm_stub_same<T, int>::value || rm_stub_same<T, uint>::value;
};
template <typename T> T atomic_fetch_add_explicit(device atomic<T>*, T v, memory_order) { return v; }
template <typename T> T atomic_fetch_add_explicit(threadgroup atomic<T>*, T v, memory_order) {
  static_assert(rm_stub_int_atomic<T>::value, "threadgroup atomic add: int or uint");
  return v;
}
template <typename T> T atomic_fetch_sub_explicit(device atomic<T>*, T v, memory_order) { return v; }
#define RM_STUB_INT_ATOMIC(op)                                                         \
  template <typename T> T atomic_fetch_##op##_explicit(device atomic<T>*, T v, memory_order) { \
    static_assert(rm_stub_int_atomic<T>::value, "atomic_fetch_" #op ": int or uint");  \
    return v;                                                                          \
  }                                                                                    \
  template <typename T> T atomic_fetch_##op##_explicit(threadgroup atomic<T>*, T v, memory_order) { \
    static_assert(rm_stub_int_atomic<T>::value, "atomic_fetch_" #op ": int or uint");  \
    return v;                                                                          \
  }
RM_STUB_INT_ATOMIC(or)
RM_STUB_INT_ATOMIC(and)
RM_STUB_INT_ATOMIC(xor)
RM_STUB_INT_ATOMIC(min)
RM_STUB_INT_ATOMIC(max)
#undef RM_STUB_INT_ATOMIC
template <typename T> T atomic_load_explicit(const device atomic<T>*, memory_order);
template <typename T> T atomic_load_explicit(const threadgroup atomic<T>*, memory_order);
template <typename T> void atomic_store_explicit(device atomic<T>*, T, memory_order);
template <typename T> void atomic_store_explicit(threadgroup atomic<T>*, T, memory_order);
template <typename T> T atomic_exchange_explicit(device atomic<T>*, T v, memory_order) { return v; }
template <typename T>
bool atomic_compare_exchange_weak_explicit(device atomic<T>*, thread T* expected, T desired, memory_order,
                                           memory_order);
template <typename T>
bool atomic_compare_exchange_weak_explicit(threadgroup atomic<T>*, thread T* expected, T desired, memory_order,
                                           memory_order);

// Bits.
template <typename T, typename U> T as_type(U v) {
  static_assert(sizeof(T) == sizeof(U), "as_type: same size");
  return T(v);
}
template <typename T> T popcount(T v) {
  static_assert(rm_stub_integer<T>::value, "popcount: integer");
  return v;
}
template <typename T> T ctz(T v) {
  static_assert(rm_stub_integer<T>::value, "ctz: integer");
  return v;
}
template <typename T> T clz(T v) {
  static_assert(rm_stub_integer<T>::value, "clz: integer");
  return v;
}

// Math: one type per call, as Metal's templates (min(int, uint) does not compile there).
template <typename T> T min(T a, T b) { return a < b ? a : b; }
template <typename T> T max(T a, T b) { return a < b ? b : a; }
template <typename T> T clamp(T x, T lo, T hi) { return min(max(x, lo), hi); }
template <typename T> T select(T a, T b, bool c) { return c ? b : a; }
int abs(int);
short abs(short);
char abs(char);
float abs(float);
float fabs(float);
float fmin(float, float);
float fmax(float, float);
float floor(float);
float ceil(float);
float round(float);
float rint(float);
float trunc(float);
float sqrt(float);
float rsqrt(float);
float exp(float);
float exp2(float);
float log(float);
float log2(float);
float pow(float, float);
float fma(float, float, float);
bool isnan(float);
bool isinf(float);
bool isfinite(float);
namespace precise {
float divide(float, float);
float sqrt(float);
float exp(float);
float log(float);
}  // namespace precise
namespace fast {
float divide(float, float);
float sqrt(float);
float exp(float);
float log(float);
}  // namespace fast

}  // namespace metal

using namespace metal;

// MLX's preamble (mlx/backend/metal/kernels/utils.h): 64-bit and bool shuffles, ceildiv.
inline uint64_t simd_shuffle(uint64_t v, uint16_t) { return v; }
inline int64_t simd_shuffle(int64_t v, uint16_t) { return v; }
inline bool simd_shuffle(bool v, uint16_t) { return v; }
inline uint64_t simd_shuffle_up(uint64_t v, uint16_t) { return v; }
inline int64_t simd_shuffle_up(int64_t v, uint16_t) { return v; }
inline bool simd_shuffle_up(bool v, uint16_t) { return v; }
inline uint64_t simd_shuffle_down(uint64_t v, uint16_t) { return v; }
inline int64_t simd_shuffle_down(int64_t v, uint16_t) { return v; }
inline bool simd_shuffle_down(bool v, uint16_t) { return v; }
template <typename T, typename U> inline T ceildiv(T n, U m) { return (n + m - 1) / m; }

// CUDA's names and C's that Metal lacks: any use is an error.
#pragma GCC poison __syncthreads __syncwarp __shared__ __device__ __global__ __host__ __forceinline__
#pragma GCC poison threadIdx blockIdx blockDim gridDim warpSize __CUDA_ARCH__
#pragma GCC poison atomicAdd atomicOr atomicAnd atomicMin atomicMax atomicCAS atomicExch
#pragma GCC poison __shfl_sync __shfl_up_sync __shfl_down_sync __shfl_xor_sync __ballot_sync __activemask
#pragma GCC poison __match_any_sync __any_sync __all_sync __popc __popcll __ffs __clz
#pragma GCC poison __float_as_int __int_as_float __float_as_uint __uint_as_float
#pragma GCC poison __fadd_rn __fsub_rn __fmul_rn __fdiv_rn __ldg __ldcg __threadfence __trap __align__
#pragma GCC poison make_float4 make_float2 make_int2 make_uint4 fminf fmaxf fabsf sqrtf expf logf floorf
#pragma GCC poison printf malloc free double
