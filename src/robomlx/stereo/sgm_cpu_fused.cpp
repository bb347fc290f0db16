// SPDX-License-Identifier: Apache-2.0
// Fused path rows of the SGM CPU twin's two sweeps (sgm_cpu.cpp): one horizontal path and the
// vertical (and diagonal) paths of a row in one pass over it, generic (cloned for AVX2) and an
// AVX2 kernel for uint8 path costs with 8 paths and D % 32 == 0 (the defaults at D = 64, 128),
// with an AVX-512 twin for D % 64 == 0 (sgm_cpu_fused_avx512.cpp).
#include <algorithm>
#include <cstdint>
#include <utility>

#include "robomlx/core/cpu_isa.h"
#include "robomlx/stereo/sgm_cpu_fused_internal.h"

#if ROBOMLX_STEREO_X86
#include <immintrin.h>
#endif

namespace robomlx::stereo::detail {

namespace {


// One horizontal path (direction hx = +1 or -1) fused into a row of the vertical and diagonal
// paths (np = 1 or 3; vp/vm/vc/vcm: their prev/cur rows and minima, sgm_cpu_internal.h): pixel
// x takes the horizontal step from hp (the previous pixel's D + 2 values, sentinels at both
// ends, minimum *hm) into hc, then swaps them. The horizontal chain (each step waits for the
// previous step's minimum) overlaps with the independent vertical work, and S is written once:
// out = sum + the paths, or the paths alone when sum is null.
template <typename L, int NP, bool kAssign>
inline __attribute__((always_inline)) void fused_row_body(L* const* vp, L* const* vm, L* const* vc, L* const* vcm,
                                                          L* hp, L* hc, L& hm, int hx, const std::uint8_t* cost,
                                                          const std::uint16_t* sum, std::uint16_t* out, bool first,
                                                          int w, int nd, L p1, L p2) {
  const std::size_t stride = nd + 2;
  for (int i = 0; i < w; ++i) {
    const int x = hx > 0 ? i : w - 1 - i;
    const std::uint8_t* cc = cost + std::size_t(x) * nd;
    const std::uint16_t* s = sum + std::size_t(x) * nd;
    std::uint16_t* o = out + std::size_t(x) * nd;
    const L mh = hm, lh = L(mh + p2);
    L* oh = hc + 1;
    L nh = L(~L(0));
    if constexpr (NP == 3) {
      const int xa = first ? 0 : x + 1, xb = first ? 0 : x, xc = first ? 0 : x + 2;  // dx = 0, 1, -1
      const L* a = vp[0] + xa * stride;
      const L* b = vp[1] + xb * stride;
      const L* c = vp[2] + xc * stride;
      const L ma = vm[0][xa], mb = vm[1][xb], mc = vm[2][xc];
      const L la = L(ma + p2), lb = L(mb + p2), lc = L(mc + p2);
      if (hx < 0 && x >= kAhead) {
        // Descending streams are not prefetched by every CPU: fetch the pixel kAhead ahead.
        const int xf = x - kAhead;
        for (int j = 0; j < 3; ++j) {
          prefetch_span(vp[j] + (xf + 1) * stride, stride * sizeof(L), false);
          prefetch_span(vc[j] + (xf + 1) * stride, stride * sizeof(L), true);
        }
        prefetch_span(cost + std::size_t(xf) * nd, nd, false);
        if (!kAssign) prefetch_span(sum + std::size_t(xf) * nd, 2 * nd, false);
        prefetch_span(out + std::size_t(xf) * nd, 2 * nd, true);
      }
      L* oa = vc[0] + (x + 1) * stride + 1;
      L* ob = vc[1] + (x + 1) * stride + 1;
      L* oc = vc[2] + (x + 1) * stride + 1;
      L na = L(~L(0)), nb = L(~L(0)), nc = L(~L(0));
      // No row overlaps another or the sums (separate buffers, or o == s elementwise).
#pragma GCC ivdep
      for (int k = 0; k < nd; ++k) {
        const L ra = path_cost(a, k, cc[k], ma, la, p1);
        const L rb = path_cost(b, k, cc[k], mb, lb, p1);
        const L rc = path_cost(c, k, cc[k], mc, lc, p1);
        const L rh = path_cost(hp, k, cc[k], mh, lh, p1);
        oa[k] = ra;
        ob[k] = rb;
        oc[k] = rc;
        oh[k] = rh;
        const std::uint16_t t = std::uint16_t(std::uint16_t(ra) + rb + rc + rh);
        o[k] = kAssign ? t : std::uint16_t(s[k] + t);
        na = std::min(na, ra);
        nb = std::min(nb, rb);
        nc = std::min(nc, rc);
        nh = std::min(nh, rh);
      }
      vcm[0][x + 1] = na;
      vcm[1][x + 1] = nb;
      vcm[2][x + 1] = nc;
    } else {
      const int xa = first ? 0 : x + 1;
      const L* a = vp[0] + xa * stride;
      const L ma = vm[0][xa], la = L(ma + p2);
      L* oa = vc[0] + (x + 1) * stride + 1;
      L na = L(~L(0));
#pragma GCC ivdep
      for (int k = 0; k < nd; ++k) {
        const L ra = path_cost(a, k, cc[k], ma, la, p1);
        const L rh = path_cost(hp, k, cc[k], mh, lh, p1);
        oa[k] = ra;
        oh[k] = rh;
        const std::uint16_t t = std::uint16_t(std::uint16_t(ra) + rh);
        o[k] = kAssign ? t : std::uint16_t(s[k] + t);
        na = std::min(na, ra);
        nh = std::min(nh, rh);
      }
      vcm[0][x + 1] = na;
    }
    hm = nh;
    std::swap(hp, hc);
  }
}
#define ROBOMLX_FUSED_ROW(L, NP, A)                                                                              \
  ROBOMLX_SIMD_CLONES void fused_row_##NP##A(L* const* vp, L* const* vm, L* const* vc, L* const* vcm, L* hp,    \
                                             L* hc, L& hm, int hx, const std::uint8_t* cost,                      \
                                             const std::uint16_t* sum, std::uint16_t* out, bool first, int w,    \
                                             int nd, L p1, L p2) {                                               \
    fused_row_body<L, NP, A>(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2);             \
  }
ROBOMLX_FUSED_ROW(std::uint8_t, 1, true)
ROBOMLX_FUSED_ROW(std::uint8_t, 1, false)
ROBOMLX_FUSED_ROW(std::uint8_t, 3, true)
ROBOMLX_FUSED_ROW(std::uint8_t, 3, false)
ROBOMLX_FUSED_ROW(std::uint16_t, 1, true)
ROBOMLX_FUSED_ROW(std::uint16_t, 1, false)
ROBOMLX_FUSED_ROW(std::uint16_t, 3, true)
ROBOMLX_FUSED_ROW(std::uint16_t, 3, false)
#undef ROBOMLX_FUSED_ROW

#if ROBOMLX_STEREO_X86
// fused_row_body for uint8 path costs, three vertical paths and nd % 32 == 0, in AVX2: the same
// byte operations, and the four paths' sum widened two paths at a time (bytes of two paths
// interleaved, pairs added by maddubs against ones) instead of one zero extension per path.
inline __attribute__((target("avx2"), always_inline)) std::uint8_t hmin_u8(__m256i v) {
  __m128i m = _mm_min_epu8(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  m = _mm_min_epu8(m, _mm_srli_epi16(m, 8));  // each 16-bit lane: min of its bytes, high byte 0
  return std::uint8_t(_mm_extract_epi16(_mm_minpos_epu16(m), 0));
}
inline __attribute__((target("avx2"), always_inline)) __m256i ld(const void* q) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(q));
}
// One path's 32 new costs at k = j .. j + 31 from its previous pixel's row q (sentinel first).
inline __attribute__((target("avx2"), always_inline)) __m256i step_u8(const std::uint8_t* q, __m256i m, __m256i lim,
                                                                      __m256i c, __m256i p1) {
  __m256i t = _mm256_add_epi8(_mm256_min_epu8(ld(q), ld(q + 2)), p1);
  t = _mm256_min_epu8(_mm256_min_epu8(t, ld(q + 1)), lim);
  return _mm256_add_epi8(c, _mm256_sub_epi8(t, m));
}
template <bool kAssign>
__attribute__((target("avx2"))) void fused_row_u8x3_avx2(std::uint8_t* const* vp, std::uint8_t* const* vm,
                                                         std::uint8_t* const* vc, std::uint8_t* const* vcm,
                                                         std::uint8_t* hp, std::uint8_t* hc, std::uint8_t& hm, int hx,
                                                         const std::uint8_t* cost, const std::uint16_t* sum,
                                                         std::uint16_t* out, bool first, int w, int nd,
                                                         std::uint8_t p1, std::uint8_t p2, std::uint16_t* sr = nullptr,
                                                         std::uint16_t* kr = nullptr, int min_d = 0) {
  using L = std::uint8_t;
  const __m256i iota = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m256i vp1 = _mm256_set1_epi8(char(p1)), ones = _mm256_set1_epi8(1);
  for (int i = 0; i < w; ++i) {
    const FusedPixelU8x3 px = fused_pixel_u8x3<kAssign>(i, vp, vm, vc, hx, cost, sum, out, first, w, nd);
    const int x = px.x;
    const std::uint8_t* cc = px.cost;
    const std::uint16_t* s = px.sum;
    std::uint16_t* o = px.out;
    const L *a = px.prev[0], *b = px.prev[1], *c = px.prev[2];
    const L ma = px.prev_min[0], mb = px.prev_min[1], mc = px.prev_min[2], mh = hm;
    const __m256i Ma = _mm256_set1_epi8(char(ma)), Mb = _mm256_set1_epi8(char(mb)), Mc = _mm256_set1_epi8(char(mc)),
                  Mh = _mm256_set1_epi8(char(mh));
    const __m256i La = _mm256_set1_epi8(char(L(ma + p2))), Lb = _mm256_set1_epi8(char(L(mb + p2))),
                  Lc = _mm256_set1_epi8(char(L(mc + p2))), Lh = _mm256_set1_epi8(char(L(mh + p2)));
    L *oa = px.cur[0], *ob = px.cur[1], *oc = px.cur[2], *oh = hc + 1;
    __m256i na = _mm256_set1_epi8(-1), nb = na, nc = na, nh = na;
    for (int j = 0; j < nd; j += 32) {
      const __m256i cv = ld(cc + j);
      const __m256i ra = step_u8(a + j, Ma, La, cv, vp1), rb = step_u8(b + j, Mb, Lb, cv, vp1),
                    rc = step_u8(c + j, Mc, Lc, cv, vp1), rh = step_u8(hp + j, Mh, Lh, cv, vp1);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(oa + j), ra);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(ob + j), rb);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(oc + j), rc);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(oh + j), rh);
      na = _mm256_min_epu8(na, ra);
      nb = _mm256_min_epu8(nb, rb);
      nc = _mm256_min_epu8(nc, rc);
      nh = _mm256_min_epu8(nh, rh);
      // Lane-wise unpacks: lo holds k = j + 0..7 and j + 16..23, hi j + 8..15 and j + 24..31.
      const __m256i lo = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_unpacklo_epi8(ra, rb), ones),
                                          _mm256_maddubs_epi16(_mm256_unpacklo_epi8(rc, rh), ones));
      const __m256i hi = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_unpackhi_epi8(ra, rb), ones),
                                          _mm256_maddubs_epi16(_mm256_unpackhi_epi8(rc, rh), ones));
      __m256i s0 = _mm256_permute2x128_si256(lo, hi, 0x20), s1 = _mm256_permute2x128_si256(lo, hi, 0x31);
      if (!kAssign) {
        s0 = _mm256_add_epi16(s0, ld(s + j));
        s1 = _mm256_add_epi16(s1, ld(s + j + 16));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + j), s0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + j + 16), s1);
      if (kr) {
        // Right-view WTA (select_row's kR, reversed: r = W - 1 - x + min_d + k) of the final S:
        // x ascending visits each r's candidates in increasing k, so a strict < keeps the first
        // minimum. Candidates k >= x - min_d + 1 land at r >= W, past what is read.
        std::uint16_t* srj = sr + (w - 1 - x + min_d) + j;
        std::uint16_t* krj = kr + (w - 1 - x + min_d) + j;
        const __m256i k0 = _mm256_add_epi16(iota, _mm256_set1_epi16(short(j)));
        const __m256i k1 = _mm256_add_epi16(k0, _mm256_set1_epi16(16));
        const __m256i b0 = ld(srj), b1 = ld(srj + 16);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(krj), _mm256_blendv_epi8(ld(krj), k0, _mm256_cmpgt_epi16(b0, s0)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(krj + 16),
                            _mm256_blendv_epi8(ld(krj + 16), k1, _mm256_cmpgt_epi16(b1, s1)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(srj), _mm256_min_epi16(b0, s0));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(srj + 16), _mm256_min_epi16(b1, s1));
      }
    }
    vcm[0][x + 1] = hmin_u8(na);
    vcm[1][x + 1] = hmin_u8(nb);
    vcm[2][x + 1] = hmin_u8(nc);
    hm = hmin_u8(nh);
    std::swap(hp, hc);
  }
}
// Function-local: asked on first use, after libgcc's CPU model constructor has run.
bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && cpu_isa_allowed(CpuIsa::avx2);
  return yes;
}
#endif

}  // namespace

template <typename L>
bool fused_row(int np, bool add, L* const* vp, L* const* vm, L* const* vc, L* const* vcm, L* hp, L* hc, L& hm, int hx,
               const std::uint8_t* cost, const std::uint16_t* sum, std::uint16_t* out, bool first, int w, int nd, L p1,
               L p2, std::uint16_t* sr, std::uint16_t* kr, int min_d) {
#if ROBOMLX_STEREO_X86
  if constexpr (sizeof(L) == 1) {
    const bool wide = np == 3 && nd % 64 == 0 && have_avx512bw();
    if (wide || (np == 3 && nd % 32 == 0 && have_avx2())) {
      const bool lr = kr && add && hx > 0;
      if (lr) {
        std::fill(sr, sr + w + min_d + nd, std::uint16_t(0x7FFF));  // S < 32767: any candidate wins
        std::fill(kr, kr + w + min_d + nd, std::uint16_t(0));
      }
      if (wide && add)
        fused_row_u8x3_avx512<false>(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2,
                                     lr ? sr : nullptr, lr ? kr : nullptr, min_d);
      else if (wide)
        fused_row_u8x3_avx512<true>(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2, nullptr,
                                    nullptr, 0);
      else if (add)
        fused_row_u8x3_avx2<false>(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2,
                                   lr ? sr : nullptr, lr ? kr : nullptr, min_d);
      else
        fused_row_u8x3_avx2<true>(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2);
      return lr;
    }
  }
#endif
  if (np == 3) {
    if (add)
      fused_row_3false(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2);
    else
      fused_row_3true(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2);
  } else {
    if (add)
      fused_row_1false(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2);
    else
      fused_row_1true(vp, vm, vc, vcm, hp, hc, hm, hx, cost, sum, out, first, w, nd, p1, p2);
  }
  return false;
}

template bool fused_row(int, bool, std::uint8_t* const*, std::uint8_t* const*, std::uint8_t* const*,
                        std::uint8_t* const*, std::uint8_t*, std::uint8_t*, std::uint8_t&, int, const std::uint8_t*,
                        const std::uint16_t*, std::uint16_t*, bool, int, int, std::uint8_t, std::uint8_t,
                        std::uint16_t*, std::uint16_t*, int);
template bool fused_row(int, bool, std::uint16_t* const*, std::uint16_t* const*, std::uint16_t* const*,
                        std::uint16_t* const*, std::uint16_t*, std::uint16_t*, std::uint16_t&, int,
                        const std::uint8_t*, const std::uint16_t*, std::uint16_t*, bool, int, int, std::uint16_t,
                        std::uint16_t, std::uint16_t*, std::uint16_t*, int);

}  // namespace robomlx::stereo::detail
