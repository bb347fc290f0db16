// SPDX-License-Identifier: Apache-2.0
// CPU census transform (sgm_internal.h definition) shared by the SGM and refinement twins.
// The window bits are built in two 32-bit halves so that a compare mask ANDed with the bit is
// one 8-lane operation; the AVX2 path keeps both halves of 8 pixels in registers over the whole
// window, the generic path accumulates a row of halves in memory.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "robomlx/core/cpu_isa.h"
#include "robomlx/stereo/sgm_cpu_internal.h"

#if ROBOMLX_STEREO_X86
#include <immintrin.h>
#endif

namespace robomlx::stereo::detail {

namespace {
// Neighbour offsets (dy * wp + dx into the padded window rows), row-major without the centre.
std::vector<int> window_offsets(int cw, int ch, int wp) {
  std::vector<int> off;
  for (int dy = 0; dy < ch; ++dy)
    for (int dx = 0; dx < cw; ++dx)
      if (dy != ch / 2 || dx != cw / 2) off.push_back(dy * wp + dx);
  return off;
}

// One row: pad holds the ch window rows (edge-padded by cw / 2 columns), c the centre row.
void census_row_generic(const float* pad, const float* c, const int* off, int nb, int w, std::uint32_t* lo,
                        std::uint32_t* hi, std::uint64_t* o) {
  std::fill(lo, lo + w, 0u);
  std::fill(hi, hi + w, 0u);
  for (int b = 0; b < nb; ++b) {
    const float* n = pad + off[b];
    std::uint32_t* acc = b < 32 ? lo : hi;
    const std::uint32_t bit = 1u << (b & 31);
    for (int x = 0; x < w; ++x) acc[x] |= n[x] < c[x] ? bit : 0u;
  }
  for (int x = 0; x < w; ++x) o[x] = std::uint64_t(lo[x]) | (std::uint64_t(hi[x]) << 32);
}

#if ROBOMLX_STEREO_X86
__attribute__((target("avx2"))) void census_row_avx2(const float* pad, const float* c, const int* off, int nb, int w,
                                                     std::uint32_t* lo, std::uint32_t* hi, std::uint64_t* o) {
  const int n_lo = std::min(nb, 32);
  int x = 0;
  for (; x + 8 <= w; x += 8) {
    const __m256 cv = _mm256_loadu_ps(c + x);
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    __m256i bit = _mm256_set1_epi32(1);
    for (int k = 0; k < n_lo; ++k) {
      const __m256 m = _mm256_cmp_ps(_mm256_loadu_ps(pad + off[k] + x), cv, _CMP_LT_OQ);
      a = _mm256_or_si256(a, _mm256_and_si256(_mm256_castps_si256(m), bit));
      bit = _mm256_add_epi32(bit, bit);
    }
    bit = _mm256_set1_epi32(1);
    for (int k = n_lo; k < nb; ++k) {
      const __m256 m = _mm256_cmp_ps(_mm256_loadu_ps(pad + off[k] + x), cv, _CMP_LT_OQ);
      b = _mm256_or_si256(b, _mm256_and_si256(_mm256_castps_si256(m), bit));
      bit = _mm256_add_epi32(bit, bit);
    }
    // (lo, hi) pairs -> uint64 lanes in pixel order.
    const __m256i p = _mm256_unpacklo_epi32(a, b), q = _mm256_unpackhi_epi32(a, b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + x), _mm256_permute2x128_si256(p, q, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + x + 4), _mm256_permute2x128_si256(p, q, 0x31));
  }
  if (x < w) census_row_generic(pad + x, c + x, off, nb, w - x, lo, hi, o + x);
}
#endif
}  // namespace

void census_rows(const float* img, int h, int w, int cw, int ch, std::uint64_t* out, int y0, int y1) {
#if ROBOMLX_STEREO_X86
  static const bool avx2 = __builtin_cpu_supports("avx2") && cpu_isa_allowed(CpuIsa::avx2);
#endif
  const int rx = cw / 2, ry = ch / 2, wp = w + 2 * rx;
  const auto off = window_offsets(cw, ch, wp);
  const int nb = int(off.size());
  std::vector<float> pad(std::size_t(ch) * wp);
  std::vector<std::uint32_t> lo(w), hi(w);
  for (int y = y0; y < y1; ++y) {
    for (int dy = -ry; dy <= ry; ++dy) {
      const float* src = img + std::size_t(std::clamp(y + dy, 0, h - 1)) * w;
      float* dst = pad.data() + std::size_t(dy + ry) * wp;
      std::fill(dst, dst + rx, src[0]);
      std::memcpy(dst + rx, src, sizeof(float) * w);
      std::fill(dst + rx + w, dst + wp, src[w - 1]);
    }
    const float* c = img + std::size_t(y) * w;
    std::uint64_t* o = out + std::size_t(y) * w;
#if ROBOMLX_STEREO_X86
    if (avx2) {
      census_row_avx2(pad.data(), c, off.data(), nb, w, lo.data(), hi.data(), o);
      continue;
    }
#endif
    census_row_generic(pad.data(), c, off.data(), nb, w, lo.data(), hi.data(), o);
  }
}

}  // namespace robomlx::stereo::detail
