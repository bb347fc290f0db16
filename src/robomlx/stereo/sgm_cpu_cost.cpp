// SPDX-License-Identifier: Apache-2.0
// Cost rows of the SGM CPU twin (sgm_internal.h definition), uint8 [W, D] per row.
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
// The tail of one pixel's cost row: the AD term for the candidates inside the image (ri: the
// reversed right intensities from candidate 0, null without AD), `outside` for the rest.
inline __attribute__((always_inline)) void finish_cost(std::uint8_t* c, int inside, int nd, const float* ri, float li,
                                                       std::uint8_t outside) {
  if (ri) {
    for (int k = 0; k < inside; ++k)
      c[k] = std::uint8_t(c[k] + (int(std::min(std::fabs(li - ri[k]), float(kAdTrunc))) >> kAdShift));
  }
  for (int k = inside; k < nd; ++k) c[k] = outside;
}

inline __attribute__((always_inline)) void cost_row_body(const std::uint64_t* cl, const std::uint64_t* cr,
                                                        const float* il, const float* ir, int w, int min_d, int nd,
                                                        bool ad, std::uint8_t outside, std::uint8_t* out) {
  // The right row reversed (rev[j] = right[w - 1 - j]): candidates x - min_d - k for k = 0, 1, ...
  // become a forward run, which the vectoriser handles.
  thread_local std::vector<std::uint64_t> crev;
  thread_local std::vector<float> irev;
  crev.resize(w);
  for (int j = 0; j < w; ++j) crev[j] = cr[w - 1 - j];
  if (ad) {
    irev.resize(w);
    for (int j = 0; j < w; ++j) irev[j] = ir[w - 1 - j];
  }
  for (int x = 0; x < w; ++x) {
    std::uint8_t* c = out + std::size_t(x) * nd;
    const int inside = std::clamp(x - min_d + 1, 0, nd);  // k < inside <=> x - min_d - k >= 0
    const std::uint64_t l = cl[x];
    const int base = w - 1 - x + min_d;  // rev index of candidate k = 0
    const std::uint64_t* r = crev.data() + base;
    for (int k = 0; k < inside; ++k) c[k] = std::uint8_t(__builtin_popcountll(l ^ r[k]));
    finish_cost(c, inside, nd, ad ? irev.data() + base : nullptr, ad ? il[x] : 0.f, outside);
  }
}

#if ROBOMLX_STEREO_X86
// AVX2 costs: the right census row is split into byte planes (plane b holds byte b of every
// reversed pixel), so 32 consecutive disparities of one plane are one load; XOR with the left
// byte and a nibble-table popcount (pshufb) give 32 byte counts, summed over the planes.
// Census words have bits >= 8 * B clear, so only B planes are needed.
template <int B>
__attribute__((target("avx2,popcnt"))) void cost_row_planes(const std::uint64_t* cl, const std::uint64_t* cr,
                                                            const float* il, const float* ir, int w, int min_d,
                                                            int nd, bool ad, std::uint8_t outside, std::uint8_t* out) {
  thread_local std::vector<std::uint8_t> planes;
  thread_local std::vector<float> irev;
  planes.resize(std::size_t(B) * w);
  for (int j = 0; j < w; ++j) {
    const std::uint64_t v = cr[w - 1 - j];
    for (int b = 0; b < B; ++b) planes[std::size_t(b) * w + j] = std::uint8_t(v >> (8 * b));
  }
  if (ad) {
    irev.resize(w);
    for (int j = 0; j < w; ++j) irev[j] = ir[w - 1 - j];
  }
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4);
  const __m256i nib = _mm256_set1_epi8(0x0f);
  for (int x = 0; x < w; ++x) {
    std::uint8_t* c = out + std::size_t(x) * nd;
    const int inside = std::clamp(x - min_d + 1, 0, nd);  // k < inside <=> x - min_d - k >= 0
    const std::uint64_t l = cl[x];
    const int base = w - 1 - x + min_d;  // reversed index of candidate k = 0
    __m256i lb[B];
    for (int b = 0; b < B; ++b) lb[b] = _mm256_set1_epi8(char(l >> (8 * b)));
    int k = 0;
    for (; k + 32 <= inside; k += 32) {
      __m256i acc = _mm256_setzero_si256();
      for (int b = 0; b < B; ++b) {
        const __m256i v = _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(planes.data() + std::size_t(b) * w + base + k)), lb[b]);
        const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(v, nib));
        const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
        acc = _mm256_add_epi8(acc, _mm256_add_epi8(lo, hi));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + k), acc);
    }
    for (; k < inside; ++k) c[k] = std::uint8_t(__builtin_popcountll(l ^ cr[x - min_d - k]));
    finish_cost(c, inside, nd, ad ? irev.data() + base : nullptr, ad ? il[x] : 0.f, outside);
  }
}

#endif
}  // namespace

void cost_row(const std::uint64_t* cl, const std::uint64_t* cr, const float* il, const float* ir, int w, int min_d,
              int nd, bool ad, std::uint8_t outside, int bytes, std::uint8_t* out) {
#if !ROBOMLX_STEREO_X86
  cost_row_body(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
#else
  static const bool hw = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx2") && cpu_isa_allowed(CpuIsa::avx2);
  if (!hw) return cost_row_body(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
  switch (bytes) {
    case 1: return cost_row_planes<1>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 2: return cost_row_planes<2>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 3: return cost_row_planes<3>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 4: return cost_row_planes<4>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 5: return cost_row_planes<5>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 6: return cost_row_planes<6>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 7: return cost_row_planes<7>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    default: return cost_row_planes<8>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
  }
#endif
}

}  // namespace robomlx::stereo::detail
