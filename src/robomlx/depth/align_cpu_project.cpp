// SPDX-License-Identifier: Apache-2.0
// Corner projection of the align CPU twin (align_twins.h), one depth row at a time. The scalar
// loop per pixel called libm's nearbyint twice and divided twice with a branch around it; here
// the same float32 operations run 8 lanes wide (AVX2, chosen at run time) or 4 (SSE2, every
// x86-64), librealsense's sse-align.cpp does 4.
//
// Why the lanes equal the scalar loop bit for bit: each lane does the same IEEE float32 mul / add /
// div in the same order (this directory builds with -ffp-contract=off, and the AVX2 target does not
// enable FMA, so nothing is fused); cvtps rounds half to even in the default MXCSR mode, as
// nearbyint does in the default rounding mode, and cvttps truncates as the int cast does; out of
// int range and for NaN both give INT_MIN on x86 (cvt(t)ss2si is the scalar cast's instruction).
// Tails run the same lanes on zero-padded copies. Other targets (arm64) use the scalar loop.
#include "robomlx/depth/align_twins.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if ROBOMLX_DEPTH_X86
#include <immintrin.h>
#endif

namespace robomlx::depth::detail {

namespace {

// The reference: align.cpp's corner() on one pixel.
void project_generic(const std::uint16_t* raw, const float* rx, const float* ry, int n, const AlignProjection& q,
                     int* ox, int* oy) {
  for (int i = 0; i < n; ++i) {
    if (!raw[i]) {  // never read by the callers; skipped to keep the int casts defined
      ox[i] = oy[i] = 0;
      continue;
    }
    const float z = float(raw[i]) * q.units;
    const float px = z * rx[i], py = z * ry[i];
    const float X = q.r[0] * px + (q.r[3] * py + (q.r[6] * z + q.t[0]));
    const float Y = q.r[1] * px + (q.r[4] * py + (q.r[7] * z + q.t[1]));
    const float Z = q.r[2] * px + (q.r[5] * py + (q.r[8] * z + q.t[2]));
    const float u = X / Z * q.fx + q.ppx + 0.5f;
    const float v = Y / Z * q.fy + q.ppy + 0.5f;
    ox[i] = q.round ? int(std::nearbyint(u)) : int(u);
    oy[i] = q.round ? int(std::nearbyint(v)) : int(v);
  }
}

#if ROBOMLX_DEPTH_X86

// The body of a lane function: N pixels per step, the tail on zero-padded copies. A macro rather
// than a lambda or template: GCC compiles a lambda for the default target, not its caller's.
// clang-format off
#define ROBOMLX_ALIGN_LANES(V, N, SET, LOADF, ADD, MUL, DIV, CVT, CVTT, STORE, LOAD_Z)                          \
  const V units = SET(q.units), fx = SET(q.fx), fy = SET(q.fy), ppx = SET(q.ppx), ppy = SET(q.ppy);          \
  const V half = SET(0.5f), r0 = SET(q.r[0]), r1 = SET(q.r[1]), r2 = SET(q.r[2]), r3 = SET(q.r[3]);          \
  const V r4 = SET(q.r[4]), r5 = SET(q.r[5]), r6 = SET(q.r[6]), r7 = SET(q.r[7]), r8 = SET(q.r[8]);          \
  const V t0 = SET(q.t[0]), t1 = SET(q.t[1]), t2 = SET(q.t[2]);                                              \
  std::uint16_t dpad[N] = {};                                                                                \
  float xpad[N] = {}, ypad[N] = {};                                                                          \
  int apad[N], bpad[N];                                                                                      \
  for (int i = 0; i < n; i += N) {                                                                           \
    const bool tail = i + N > n;                                                                             \
    const std::uint16_t* d = raw + i;                                                                        \
    const float *x = rx + i, *y = ry + i;                                                                    \
    int *a = ox + i, *b = oy + i;                                                                            \
    if (tail) {                                                                                              \
      std::memcpy(dpad, d, (n - i) * sizeof(*d));                                                            \
      std::memcpy(xpad, x, (n - i) * sizeof(*x));                                                            \
      std::memcpy(ypad, y, (n - i) * sizeof(*y));                                                            \
      d = dpad, x = xpad, y = ypad, a = apad, b = bpad;                                                      \
    }                                                                                                        \
    const V z = MUL(LOAD_Z(d), units);                                                                       \
    const V px = MUL(z, LOADF(x)), py = MUL(z, LOADF(y));                                                    \
    const V X = ADD(MUL(r0, px), ADD(MUL(r3, py), ADD(MUL(r6, z), t0)));                                     \
    const V Y = ADD(MUL(r1, px), ADD(MUL(r4, py), ADD(MUL(r7, z), t1)));                                     \
    const V Z = ADD(MUL(r2, px), ADD(MUL(r5, py), ADD(MUL(r8, z), t2)));                                     \
    const V u = ADD(ADD(MUL(DIV(X, Z), fx), ppx), half);                                                     \
    const V v = ADD(ADD(MUL(DIV(Y, Z), fy), ppy), half);                                                     \
    STORE(a, q.round ? CVT(u) : CVTT(u));                                                                    \
    STORE(b, q.round ? CVT(v) : CVTT(v));                                                                    \
    if (tail) {                                                                                              \
      std::memcpy(ox + i, apad, (n - i) * sizeof(int));                                                      \
      std::memcpy(oy + i, bpad, (n - i) * sizeof(int));                                                      \
    }                                                                                                        \
  }
// clang-format on

inline __m128 load_z_sse2(const std::uint16_t* d) {
  return _mm_cvtepi32_ps(_mm_unpacklo_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(d)), _mm_setzero_si128()));
}
inline void store_sse2(int* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

void project_sse2(const std::uint16_t* raw, const float* rx, const float* ry, int n, const AlignProjection& q, int* ox,
                  int* oy) {
  ROBOMLX_ALIGN_LANES(__m128, 4, _mm_set1_ps, _mm_loadu_ps, _mm_add_ps, _mm_mul_ps, _mm_div_ps, _mm_cvtps_epi32,
                      _mm_cvttps_epi32, store_sse2, load_z_sse2)
}

__attribute__((target("avx2"))) inline __m256 load_z_avx2(const std::uint16_t* d) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d))));
}
__attribute__((target("avx2"))) inline void store_avx2(int* p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

__attribute__((target("avx2"))) void project_avx2(const std::uint16_t* raw, const float* rx, const float* ry,
                                                           int n, const AlignProjection& q, int* ox, int* oy) {
  ROBOMLX_ALIGN_LANES(__m256, 8, _mm256_set1_ps, _mm256_loadu_ps, _mm256_add_ps, _mm256_mul_ps, _mm256_div_ps,
                      _mm256_cvtps_epi32, _mm256_cvttps_epi32, store_avx2, load_z_avx2)
}
#undef ROBOMLX_ALIGN_LANES

#endif

}  // namespace

void align_project_row(const std::uint16_t* raw, const float* rx, const float* ry, int n, const AlignProjection& q,
                       int* ox, int* oy, CpuIsa isa) {
#if ROBOMLX_DEPTH_X86
  isa = usable_cpu_isa(isa);
  if (isa == CpuIsa::avx2) return project_avx2(raw, rx, ry, n, q, ox, oy);
  if (isa == CpuIsa::sse2) return project_sse2(raw, rx, ry, n, q, ox, oy);
#endif
  (void)isa;
  project_generic(raw, rx, ry, n, q, ox, oy);
}

}  // namespace robomlx::depth::detail
