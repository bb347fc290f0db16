// SPDX-License-Identifier: Apache-2.0
// Disparity selection of the SGM CPU twin (sgm_select.cpp rules: WTA, uniqueness, parabola,
// left-right check, confidence) and the median filter, row by row.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "robomlx/core/cpu_isa.h"
#include "robomlx/stereo/sgm_cpu_internal.h"

#if ROBOMLX_STEREO_X86
#include <immintrin.h>
#endif

namespace robomlx::stereo::detail {

namespace {
inline __attribute__((always_inline)) int min_range(const std::uint16_t* s, int k0, int k1) {
  int m = 1 << 30;
  for (int k = k0; k < k1; ++k) m = std::min(m, int(s[k]));
  return m;
}

// First argmin as one vectorisable min over (S << 16 | k) keys.
inline __attribute__((always_inline)) std::uint32_t min_key(const std::uint16_t* s, int nd) {
  std::uint32_t m = 0xFFFFFFFFu;
  for (int k = 0; k < nd; ++k) m = std::min(m, (std::uint32_t(s[k]) << 16) | std::uint32_t(k));
  return m;
}

// S1, its first index k1 and S2 (the least S more than one disparity away; kInf when none) of
// one pixel's S[0, nd).
struct PixelBest {
  int s1, k1, s2;
};
inline __attribute__((always_inline)) PixelBest pixel_best(const std::uint16_t* s, int nd) {
  const std::uint32_t key = min_key(s, nd);
  const int s1 = int(key >> 16), k1 = int(key & 0xFFFF);
  const int s2 = std::min(min_range(s, 0, std::max(0, k1 - 1)), min_range(s, std::min(nd, k1 + 2), nd));
  return {s1, k1, s2};
}
#if ROBOMLX_STEREO_X86
// The same with 16-lane unsigned minima (S < 32767, so 0xFFFF is free to mean "excluded").
// Inlined into select_row_avx2 (flatten): always_inline would be checked in select_row_body first.
__attribute__((target("avx2"))) inline PixelBest pixel_best_avx2(const std::uint16_t* s, int nd) {
  const int nv = nd / 16;
  __m256i m = _mm256_set1_epi16(-1);
  for (int j = 0; j < nv; ++j) m = _mm256_min_epu16(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 16 * j)));
  const __m128i m8 = _mm_min_epu16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  int s1 = _mm_extract_epi16(_mm_minpos_epu16(m8), 0);
  for (int k = 16 * nv; k < nd; ++k) s1 = std::min(s1, int(s[k]));
  int k1 = 0;
  const __m256i target = _mm256_set1_epi16(short(s1));
  for (int j = 0;; ++j) {
    if (j == nv) {
      for (k1 = 16 * nv; s[k1] != s1; ++k1) {
      }
      break;
    }
    const unsigned mask = unsigned(_mm256_movemask_epi8(
        _mm256_cmpeq_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 16 * j)), target)));
    if (mask != 0) {
      k1 = 16 * j + __builtin_ctz(mask) / 2;
      break;
    }
  }
  // Lanes k1 - 1 .. k1 + 1 are excluded: (k - (k1 - 1)) as unsigned <= 2.
  const __m256i iota = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m256i two = _mm256_set1_epi16(2);
  __m256i m2 = _mm256_set1_epi16(-1);
  for (int j = 0; j < nv; ++j) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 16 * j));
    if (16 * j + 15 >= k1 - 1 && 16 * j <= k1 + 1) {
      const __m256i rel = _mm256_sub_epi16(_mm256_add_epi16(iota, _mm256_set1_epi16(short(16 * j))),
                                           _mm256_set1_epi16(short(k1 - 1)));
      v = _mm256_or_si256(v, _mm256_cmpeq_epi16(_mm256_min_epu16(rel, two), rel));
    }
    m2 = _mm256_min_epu16(m2, v);
  }
  const __m128i n8 = _mm_min_epu16(_mm256_castsi256_si128(m2), _mm256_extracti128_si256(m2, 1));
  int s2 = _mm_extract_epi16(_mm_minpos_epu16(n8), 0);
  for (int k = 16 * nv; k < nd; ++k)
    if (k < k1 - 1 || k > k1 + 1) s2 = std::min(s2, int(s[k]));
  return {s1, k1, s2 == 0xFFFF ? 1 << 30 : s2};
}

// Right-view WTA kr[r] (r = W - 1 - xr) of row y, as select_row_body's generic loop, over blocks
// of 16 r: the block's running minimum and argmin stay in registers while x walks over its
// candidates (an unaligned load of S(x) per x), instead of a read-modify-write of memory that
// overlaps the previous x's by one element (which defeats store forwarding). Loads may reach
// 15 elements past either end of a pixel's S: the volume is padded (Workspace) and such lanes
// are masked. S < 32767, so signed 16-bit compares are exact.
__attribute__((target("avx2"))) inline void right_wta_avx2(Volume& v, int y, int min_d, std::uint16_t* kr) {
  const int w = v.w, nd = v.nd;
  const __m256i iota = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int r0 = 0; r0 < w; r0 += 16) {
    const __m256i big = _mm256_set1_epi16(0x7FFF);
    __m256i best = big, arg = _mm256_setzero_si256();
    // r = W - 1 - x + min_d + k: the x whose candidates reach r0 .. r0 + 15.
    const int xa = std::max(0, w - 1 + min_d - (r0 + 15)), xb = std::min(w - 1, w - 2 + min_d + nd - r0);
    for (int x = xa; x <= xb; ++x) {
      const int k0 = r0 - (w - 1 - x + min_d);
      const int kmax = std::min(nd, x - min_d + 1);
      const __m256i k = _mm256_add_epi16(iota, _mm256_set1_epi16(short(k0)));
      // Valid lanes: 0 <= k < kmax.
      const __m256i ok = _mm256_andnot_si256(_mm256_cmpgt_epi16(_mm256_setzero_si256(), k),
                                             _mm256_cmpgt_epi16(_mm256_set1_epi16(short(kmax)), k));
      // Invalid lanes read as 0x7FFF, which never wins; the running minimum is then a plain min
      // (one-cycle dependency chain) and the argmin follows it off that chain.
      const __m256i sv = _mm256_blendv_epi8(
          big, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.s(y, x) + k0)), ok);
      arg = _mm256_blendv_epi8(arg, k, _mm256_cmpgt_epi16(best, sv));
      best = _mm256_min_epi16(best, sv);
    }
    alignas(32) std::uint16_t out[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), arg);
    std::copy(out, out + std::min(16, w - r0), kr + r0);
  }
}
#endif

template <bool kAvx2>
inline void select_row_body(Volume& v, int y, const CoreParams& p, float* disp,
                                                           float* conf, std::vector<std::uint16_t>& kright,
                                                           std::vector<std::uint16_t>& sright, bool kright_ready) {
  const int w = v.w, nd = v.nd;
  constexpr int kInf = 1 << 30;
  if (p.lr_max_diff >= 0 && !kright_ready) {
    // kR(xr) = first argmin over k of S(y, xr + min_d + k, k): visiting x in order visits each
    // xr's candidates in increasing k, so a strict < keeps the first minimum.
    // Stored reversed (r = W - 1 - xr) so that one x updates a contiguous run: vectorisable.
#if ROBOMLX_STEREO_X86
    if constexpr (kAvx2) {
      right_wta_avx2(v, y, p.min_d, kright.data());
    } else
#endif
    {
    std::fill(kright.begin(), kright.end(), 0);
    std::fill(sright.begin(), sright.end(), 0xFFFF);
    std::uint16_t* __restrict sr = sright.data();
    std::uint16_t* __restrict kr = kright.data();
    for (int x = 0; x < w; ++x) {
      const std::uint16_t* __restrict s = v.s(y, x);
      const int kmax = std::min(nd, x - p.min_d + 1);
      const int base = w - 1 - x + p.min_d;
      for (int k = 0; k < kmax; ++k) {
        const bool better = s[k] < sr[base + k];
        sr[base + k] = better ? s[k] : sr[base + k];
        kr[base + k] = better ? std::uint16_t(k) : kr[base + k];
      }
    }
    }
  }
  for (int x = 0; x < w; ++x) {
    const std::uint16_t* s = v.s(y, x);
    PixelBest best;
#if ROBOMLX_STEREO_X86
    if constexpr (kAvx2)
      best = pixel_best_avx2(s, nd);
    else
#endif
      best = pixel_best(s, nd);
    const auto [s1, k1, s2] = best;
    const float s1f = float(s1), s2f = float(s2);
    bool valid = true;
    if (p.uniqueness > 0) valid = s2 == kInf || s2f * (100.f - p.uniqueness) >= s1f * 100.f;
    float d = float(k1 + p.min_d);
    if (p.subpixel && nd >= 3 && k1 > 0 && k1 < nd - 1) {
      const float sm = float(s[k1 - 1]), sp = float(s[k1 + 1]);
      const float denom = sm + sp - s1f * 2.f;
      if (denom > 0.f) d = d + (sm - sp) / (2.f * std::max(denom, 1.f));
    }
    if (p.lr_max_diff >= 0) {
      const int xm = x - p.min_d - k1;
      valid = valid && xm >= 0 && xm < w && std::abs(int(kright[w - 1 - std::clamp(xm, 0, w - 1)]) - k1) <= p.lr_max_diff;
    }
    float c = s2 == kInf ? 1.f : (s2f - s1f) / std::max(s2f, 1.f);
    if (s2 == 0) c = 0.f;
    disp[std::size_t(y) * w + x] = valid ? d : -1.f;
    conf[std::size_t(y) * w + x] = valid ? c : 0.f;
  }
}

#if ROBOMLX_STEREO_X86
__attribute__((target("avx2"), flatten)) void select_row_avx2(Volume& v, int y, const CoreParams& p, float* disp, float* conf,
                                                     std::vector<std::uint16_t>& kright,
                                                     std::vector<std::uint16_t>& sright, bool kright_ready) {
  select_row_body<true>(v, y, p, disp, conf, kright, sright, kright_ready);
}
#endif
__attribute__((flatten)) void select_row_generic(Volume& v, int y, const CoreParams& p, float* disp, float* conf,
                                                 std::vector<std::uint16_t>& kright, std::vector<std::uint16_t>& sright,
                                                 bool kright_ready) {
  select_row_body<false>(v, y, p, disp, conf, kright, sright, kright_ready);
}
}  // namespace

void select_row(Volume& v, int y, const CoreParams& p, float* disp, float* conf, std::vector<std::uint16_t>& kright,
                std::vector<std::uint16_t>& sright, bool kright_ready) {
#if ROBOMLX_STEREO_X86
  static const bool avx2 = __builtin_cpu_supports("avx2") && cpu_isa_allowed(CpuIsa::avx2);
  if (avx2) return select_row_avx2(v, y, p, disp, conf, kright, sright, kright_ready);
#endif
  select_row_generic(v, y, p, disp, conf, kright, sright, kright_ready);
}

namespace {
// Median of 9 by the classic 19-exchange network (Paeth / Devillard), vectorised across x.
ROBOMLX_SIMD_CLONES
void median3_rows(const float* in, float* out, int h, int w, int y0, int y1) {
  std::vector<float> pad(3 * std::size_t(w + 2));
  for (int y = y0; y < y1; ++y) {
    for (int dy = 0; dy < 3; ++dy) {
      const float* src = in + std::size_t(std::clamp(y + dy - 1, 0, h - 1)) * w;
      float* dst = pad.data() + dy * std::size_t(w + 2);
      dst[0] = src[0];
      std::copy(src, src + w, dst + 1);
      dst[w + 1] = src[w - 1];
    }
    const float* r0 = pad.data();
    const float* r1 = r0 + (w + 2);
    const float* r2 = r1 + (w + 2);
    float* o = out + std::size_t(y) * w;
    for (int x = 0; x < w; ++x) {
      float p0 = r0[x], p1 = r0[x + 1], p2 = r0[x + 2], p3 = r1[x], p4 = r1[x + 1], p5 = r1[x + 2], p6 = r2[x],
            p7 = r2[x + 1], p8 = r2[x + 2];
      auto sw = [](float& a, float& b) {
        const float lo = std::min(a, b), hi = std::max(a, b);
        a = lo;
        b = hi;
      };
      sw(p1, p2); sw(p4, p5); sw(p7, p8); sw(p0, p1); sw(p3, p4); sw(p6, p7); sw(p1, p2); sw(p4, p5);
      sw(p7, p8); sw(p0, p3); sw(p5, p8); sw(p4, p7); sw(p3, p6); sw(p1, p4); sw(p2, p5); sw(p4, p7);
      sw(p4, p2); sw(p6, p4); sw(p4, p2);
      o[x] = p4;
    }
  }
}

}  // namespace

void median_rows(const float* in, float* out, int h, int w, int size, int y0, int y1) {
  if (size == 3) return median3_rows(in, out, h, w, y0, y1);
  const int r = size / 2;
  std::vector<float> win(std::size_t(size) * size);
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < w; ++x) {
      int n = 0;
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx)
          win[n++] = in[std::size_t(std::clamp(y + dy, 0, h - 1)) * w + std::clamp(x + dx, 0, w - 1)];
      std::nth_element(win.begin(), win.begin() + n / 2, win.begin() + n);
      out[std::size_t(y) * w + x] = win[n / 2];
    }
  }
}

}  // namespace robomlx::stereo::detail
