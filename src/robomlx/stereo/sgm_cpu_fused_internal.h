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
