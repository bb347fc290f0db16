// SPDX-License-Identifier: Apache-2.0
// Private to the SGM CPU twin's fused rows (sgm_cpu_fused.cpp) and their AVX-512 kernel
// (sgm_cpu_fused_avx512.cpp): the prefetch helper both use and the AVX-512 entry points.
#pragma once

#include <cstddef>
#include <cstdint>

#include "robomlx/stereo/sgm_cpu_internal.h"

namespace robomlx::stereo::detail {

// Prefetches a span of bytes, for reading or writing.
inline __attribute__((always_inline)) void prefetch_span(const void* p, std::size_t bytes, bool write) {
  const char* c = static_cast<const char*>(p);
  for (std::size_t i = 0; i < bytes; i += 64) {
    if (write)
      __builtin_prefetch(c + i, 1);
    else
      __builtin_prefetch(c + i, 0);
  }
}
// Pixels ahead that the right-to-left visit prefetches (6 and 12 timed the same).
constexpr int kAhead = 6;

/// One pixel of a fused uint8 row with three vertical paths (the AVX2 and AVX-512 rows): where
/// pixel i of the visit reads and writes. Prefetches the pixel kAhead ahead on a descending visit
/// (descending streams are not prefetched by every CPU).
struct FusedPixelU8x3 {
  int x;
  const std::uint8_t* cost;        // C at x, nd values
  const std::uint16_t* sum;        // S in at x
  std::uint16_t* out;              // S out at x
  const std::uint8_t* prev[3];     // the vertical paths' previous rows at x + dx (sentinel first)
  std::uint8_t prev_min[3];        // and their minima
  std::uint8_t* cur[3];            // where the new values of x go (after the sentinel)
};

template <bool kAssign>
inline __attribute__((always_inline)) FusedPixelU8x3 fused_pixel_u8x3(
    int i, std::uint8_t* const* vp, std::uint8_t* const* vm, std::uint8_t* const* vc, int hx, const std::uint8_t* cost,
    const std::uint16_t* sum, std::uint16_t* out, bool first, int w, int nd) {
  const std::size_t stride = nd + 2;
  FusedPixelU8x3 p;
  const int x = hx > 0 ? i : w - 1 - i;
  p.x = x;
  p.cost = cost + std::size_t(x) * nd;
  p.sum = sum + std::size_t(x) * nd;
  p.out = out + std::size_t(x) * nd;
  const int xs[3] = {first ? 0 : x + 1, first ? 0 : x, first ? 0 : x + 2};  // dx = 0, 1, -1
  for (int j = 0; j < 3; ++j) {
    p.prev[j] = vp[j] + xs[j] * stride;
    p.prev_min[j] = vm[j][xs[j]];
    p.cur[j] = vc[j] + (x + 1) * stride + 1;
  }
  if (hx < 0 && x >= kAhead) {
    const int xf = x - kAhead;  // as fused_row_body
    for (int j = 0; j < 3; ++j) {
      prefetch_span(vp[j] + (xf + 1) * stride, stride, false);
      prefetch_span(vc[j] + (xf + 1) * stride, stride, true);
    }
    prefetch_span(cost + std::size_t(xf) * nd, nd, false);
    if (!kAssign) prefetch_span(sum + std::size_t(xf) * nd, 2 * nd, false);
    prefetch_span(out + std::size_t(xf) * nd, 2 * nd, true);
  }
  return p;
}

#if ROBOMLX_STEREO_X86
/// Whether this CPU runs the AVX-512 rows (AVX-512 F and BW), asked on first use.
bool have_avx512bw();

/// The AVX2 fused row for uint8 path costs and three vertical paths (sgm_cpu_fused.cpp), 64
/// disparities a vector: nd % 64 == 0. Same arguments, same bytes out (the twin tests compare
/// both with the portable path exactly).
template <bool kAssign>
__attribute__((target("avx512f,avx512bw,avx2"))) void fused_row_u8x3_avx512(std::uint8_t* const* vp, std::uint8_t* const* vm, std::uint8_t* const* vc,
                           std::uint8_t* const* vcm, std::uint8_t* hp, std::uint8_t* hc, std::uint8_t& hm, int hx,
                           const std::uint8_t* cost, const std::uint16_t* sum, std::uint16_t* out, bool first, int w,
                           int nd, std::uint8_t p1, std::uint8_t p2, std::uint16_t* sr, std::uint16_t* kr, int min_d);
#endif

}  // namespace robomlx::stereo::detail
