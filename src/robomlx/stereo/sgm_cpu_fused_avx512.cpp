// SPDX-License-Identifier: Apache-2.0
// The fused SGM row of sgm_cpu_fused.cpp in AVX-512 (F + BW), 64 disparities a vector, for
// CPUs that have it (Intel Xeon from Skylake-SP, AMD Zen 4): the same byte operations as the
// AVX2 row, so the same output bytes; chosen at run time when nd % 64 == 0.
#include "robomlx/core/cpu_isa.h"
#include "robomlx/stereo/sgm_cpu_fused_internal.h"

#if ROBOMLX_STEREO_X86
// GCC 12's AVX-512 headers build their "undefined" pass-through vectors from themselves, which
// -Wmaybe-uninitialized reports at every inlined extract and shuffle.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <utility>

#define ROBOMLX_AVX512 __attribute__((target("avx512f,avx512bw,avx2"), always_inline)) inline

namespace robomlx::stereo::detail {

namespace {

ROBOMLX_AVX512 std::uint8_t hmin_u8(__m512i v) {
  const __m256i h = _mm256_min_epu8(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  __m128i m = _mm_min_epu8(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  m = _mm_min_epu8(m, _mm_srli_epi16(m, 8));  // each 16-bit lane: min of its bytes, high byte 0
  return std::uint8_t(_mm_extract_epi16(_mm_minpos_epu16(m), 0));
}
ROBOMLX_AVX512 __m512i ld(const void* q) { return _mm512_loadu_si512(q); }
ROBOMLX_AVX512 void st(void* q, __m512i v) { _mm512_storeu_si512(q, v); }
// One path's 64 new costs at k = j .. j + 63 from its previous pixel's row q (sentinel first).
ROBOMLX_AVX512 __m512i step_u8(const std::uint8_t* q, __m512i m, __m512i lim, __m512i c, __m512i p1) {
  __m512i t = _mm512_add_epi8(_mm512_min_epu8(ld(q), ld(q + 2)), p1);
  t = _mm512_min_epu8(_mm512_min_epu8(t, ld(q + 1)), lim);
  return _mm512_add_epi8(c, _mm512_sub_epi8(t, m));
}

alignas(64) constexpr std::uint16_t kIota[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                                 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
}  // namespace

bool have_avx512bw() {
  static const bool yes =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && cpu_isa_allowed(CpuIsa::avx512);
  return yes;
}

template <bool kAssign>
__attribute__((target("avx512f,avx512bw,avx2"))) void fused_row_u8x3_avx512(
    std::uint8_t* const* vp, std::uint8_t* const* vm, std::uint8_t* const* vc, std::uint8_t* const* vcm,
    std::uint8_t* hp, std::uint8_t* hc, std::uint8_t& hm, int hx, const std::uint8_t* cost, const std::uint16_t* sum,
    std::uint16_t* out, bool first, int w, int nd, std::uint8_t p1, std::uint8_t p2, std::uint16_t* sr,
    std::uint16_t* kr, int min_d) {
  using L = std::uint8_t;
  const __m512i iota = ld(kIota);
  // 64-bit lanes of (lo, hi) in disparity order: unpacks work within 128-bit lanes, so lane i of
  // lo holds k = 16 i + 0..7 and lane i of hi k = 16 i + 8..15 (as 16-bit sums).
  const __m512i first_half = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i second_half = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  const __m512i vp1 = _mm512_set1_epi8(char(p1)), ones = _mm512_set1_epi8(1);
  for (int i = 0; i < w; ++i) {
    const FusedPixelU8x3 px = fused_pixel_u8x3<kAssign>(i, vp, vm, vc, hx, cost, sum, out, first, w, nd);
    const int x = px.x;
    const std::uint8_t* cc = px.cost;
    const std::uint16_t* s = px.sum;
    std::uint16_t* o = px.out;
    const L *a = px.prev[0], *b = px.prev[1], *c = px.prev[2];
    const L ma = px.prev_min[0], mb = px.prev_min[1], mc = px.prev_min[2], mh = hm;
    const __m512i Ma = _mm512_set1_epi8(char(ma)), Mb = _mm512_set1_epi8(char(mb)), Mc = _mm512_set1_epi8(char(mc)),
                  Mh = _mm512_set1_epi8(char(mh));
    const __m512i La = _mm512_set1_epi8(char(L(ma + p2))), Lb = _mm512_set1_epi8(char(L(mb + p2))),
                  Lc = _mm512_set1_epi8(char(L(mc + p2))), Lh = _mm512_set1_epi8(char(L(mh + p2)));
    L *oa = px.cur[0], *ob = px.cur[1], *oc = px.cur[2], *oh = hc + 1;
    __m512i na = _mm512_set1_epi8(-1), nb = na, nc = na, nh = na;
    for (int j = 0; j < nd; j += 64) {
      const __m512i cv = ld(cc + j);
      const __m512i ra = step_u8(a + j, Ma, La, cv, vp1), rb = step_u8(b + j, Mb, Lb, cv, vp1),
                    rc = step_u8(c + j, Mc, Lc, cv, vp1), rh = step_u8(hp + j, Mh, Lh, cv, vp1);
      st(oa + j, ra);
      st(ob + j, rb);
      st(oc + j, rc);
      st(oh + j, rh);
      na = _mm512_min_epu8(na, ra);
      nb = _mm512_min_epu8(nb, rb);
      nc = _mm512_min_epu8(nc, rc);
      nh = _mm512_min_epu8(nh, rh);
      // The four paths' sum, two paths at a time (bytes interleaved, pairs added by maddubs).
      const __m512i lo = _mm512_add_epi16(_mm512_maddubs_epi16(_mm512_unpacklo_epi8(ra, rb), ones),
                                          _mm512_maddubs_epi16(_mm512_unpacklo_epi8(rc, rh), ones));
      const __m512i hi = _mm512_add_epi16(_mm512_maddubs_epi16(_mm512_unpackhi_epi8(ra, rb), ones),
                                          _mm512_maddubs_epi16(_mm512_unpackhi_epi8(rc, rh), ones));
      __m512i s0 = _mm512_permutex2var_epi64(lo, first_half, hi), s1 = _mm512_permutex2var_epi64(lo, second_half, hi);
      if (!kAssign) {
        s0 = _mm512_add_epi16(s0, ld(s + j));
        s1 = _mm512_add_epi16(s1, ld(s + j + 32));
      }
      st(o + j, s0);
      st(o + j + 32, s1);
      if (kr) {
        // Right-view WTA of the final S, as the AVX2 row (strict <: the first minimum is kept).
        std::uint16_t* srj = sr + (w - 1 - x + min_d) + j;
        std::uint16_t* krj = kr + (w - 1 - x + min_d) + j;
        const __m512i k0 = _mm512_add_epi16(iota, _mm512_set1_epi16(short(j)));
        const __m512i k1 = _mm512_add_epi16(k0, _mm512_set1_epi16(32));
        const __m512i b0 = ld(srj), b1 = ld(srj + 32);
        st(krj, _mm512_mask_blend_epi16(_mm512_cmpgt_epi16_mask(b0, s0), ld(krj), k0));
        st(krj + 32, _mm512_mask_blend_epi16(_mm512_cmpgt_epi16_mask(b1, s1), ld(krj + 32), k1));
        st(srj, _mm512_min_epi16(b0, s0));
        st(srj + 32, _mm512_min_epi16(b1, s1));
      }
    }
    vcm[0][x + 1] = hmin_u8(na);
    vcm[1][x + 1] = hmin_u8(nb);
    vcm[2][x + 1] = hmin_u8(nc);
    hm = hmin_u8(nh);
    std::swap(hp, hc);
  }
}

template void fused_row_u8x3_avx512<true>(std::uint8_t* const*, std::uint8_t* const*, std::uint8_t* const*,
                                          std::uint8_t* const*, std::uint8_t*, std::uint8_t*, std::uint8_t&, int,
                                          const std::uint8_t*, const std::uint16_t*, std::uint16_t*, bool, int, int,
                                          std::uint8_t, std::uint8_t, std::uint16_t*, std::uint16_t*, int);
template void fused_row_u8x3_avx512<false>(std::uint8_t* const*, std::uint8_t* const*, std::uint8_t* const*,
                                           std::uint8_t* const*, std::uint8_t*, std::uint8_t*, std::uint8_t&, int,
                                           const std::uint8_t*, const std::uint16_t*, std::uint16_t*, bool, int, int,
                                           std::uint8_t, std::uint8_t, std::uint16_t*, std::uint16_t*, int);

}  // namespace robomlx::stereo::detail

#endif
