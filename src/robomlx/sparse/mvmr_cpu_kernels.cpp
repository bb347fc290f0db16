// SPDX-License-Identifier: Apache-2.0
// Two builds of each micro-kernel: an AVX2+FMA one whose 4 x 16 accumulator tile lives in eight
// ymm registers (GCC/Clang vector extensions), picked at run time when the CPU has AVX2 and
// FMA, and a portable one of fixed-trip-count loops for every other CPU (SSE2, NEON).
#include "robomlx/core/cpu_isa.h"
#include "robomlx/sparse/mvmr_cpu_internal.h"

#include <cstring>

namespace robomlx::sparse::detail {

namespace {

void gemm_rows_tile_plain(const float* const x[kTileRows], const float* w, int C, int64_t ldw,
                          float* const y[kTileRows]) {
  float acc[kTileRows][kTileCols] = {};
  for (int c = 0; c < C; ++c) {
    const float* wr = w + c * ldw;
    for (int q = 0; q < kTileRows; ++q) {
      const float s = x[q][c];
      for (int j = 0; j < kTileCols; ++j) acc[q][j] += s * wr[j];
    }
  }
  for (int q = 0; q < kTileRows; ++q) {
    for (int j = 0; j < kTileCols; ++j) y[q][j] += acc[q][j];
  }
}

void outer_sum_tile_plain(const float* const* a, int64_t a_off, const float* const* b, int64_t b_off, int64_t n,
                          float* o, int64_t ldo) {
  float acc[kTileRows][kTileCols] = {};
  for (int64_t t = 0; t < n; ++t) {
    const float* br = b[t] + b_off;
    const float* ar = a[t] + a_off;
    for (int q = 0; q < kTileRows; ++q) {
      const float s = ar[q];
      for (int j = 0; j < kTileCols; ++j) acc[q][j] += s * br[j];
    }
  }
  for (int q = 0; q < kTileRows; ++q) {
    for (int j = 0; j < kTileCols; ++j) o[q * ldo + j] += acc[q][j];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ROBOMLX_HAVE_AVX2_KERNELS 1
typedef float v8f __attribute__((vector_size(32)));

__attribute__((target("avx2,fma"))) inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
__attribute__((target("avx2,fma"))) inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof(v)); }

__attribute__((target("avx2,fma"))) void gemm_rows_tile_avx2(const float* const x[kTileRows], const float* w, int C,
                                                             int64_t ldw, float* const y[kTileRows]) {
  v8f acc[kTileRows][2] = {};
  for (int c = 0; c < C; ++c) {
    v8f w0 = load8(w + c * ldw), w1 = load8(w + c * ldw + 8);
    for (int q = 0; q < kTileRows; ++q) {
      v8f s = v8f{} + x[q][c];
      acc[q][0] += s * w0;
      acc[q][1] += s * w1;
    }
  }
  for (int q = 0; q < kTileRows; ++q) {
    store8(y[q], load8(y[q]) + acc[q][0]);
    store8(y[q] + 8, load8(y[q] + 8) + acc[q][1]);
  }
}

__attribute__((target("avx2,fma"))) void outer_sum_tile_avx2(const float* const* a, int64_t a_off,
                                                             const float* const* b, int64_t b_off, int64_t n, float* o,
                                                             int64_t ldo) {
  v8f acc[kTileRows][2] = {};
  for (int64_t t = 0; t < n; ++t) {
    v8f b0 = load8(b[t] + b_off), b1 = load8(b[t] + b_off + 8);
    for (int q = 0; q < kTileRows; ++q) {
      v8f s = v8f{} + a[t][a_off + q];
      acc[q][0] += s * b0;
      acc[q][1] += s * b1;
    }
  }
  for (int q = 0; q < kTileRows; ++q) {
    store8(o + q * ldo, load8(o + q * ldo) + acc[q][0]);
    store8(o + q * ldo + 8, load8(o + q * ldo + 8) + acc[q][1]);
  }
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_isa_allowed(CpuIsa::avx2);
  return yes;
}
#endif

}  // namespace

void gemm_rows_tile(const float* const x[kTileRows], const float* w, int C, int64_t ldw, float* const y[kTileRows]) {
#ifdef ROBOMLX_HAVE_AVX2_KERNELS
  if (have_avx2()) return gemm_rows_tile_avx2(x, w, C, ldw, y);
#endif
  gemm_rows_tile_plain(x, w, C, ldw, y);
}

void outer_sum_tile(const float* const* a, int64_t a_off, const float* const* b, int64_t b_off, int64_t n, float* o,
                    int64_t ldo) {
#ifdef ROBOMLX_HAVE_AVX2_KERNELS
  if (have_avx2()) return outer_sum_tile_avx2(a, a_off, b, b_off, n, o, ldo);
#endif
  outer_sum_tile_plain(a, a_off, b, b_off, n, o, ldo);
}

}  // namespace robomlx::sparse::detail
