// SPDX-License-Identifier: Apache-2.0
// CPU twin of the threshold (threshold_twins.h): one pass, 16 values a step with AVX2 (chosen at run
// time) or 8 with SSE2. Unsigned d <= span is saturating d - span == 0 (SSE2 has no unsigned
// compare), the same test as the scalar loop's.
#include "robomlx/depth/threshold_twins.h"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/cpu_twin_internal.h"
#include "robomlx/core/parallel.h"
#if ROBOMLX_DEPTH_X86
#include <immintrin.h>
#endif

namespace robomlx::depth::detail {

namespace {

void keep_generic(const std::uint16_t* z, std::uint16_t* out, std::int64_t i, std::int64_t n, std::uint16_t lo,
                  std::uint16_t span) {
  for (; i < n; ++i) out[i] = std::uint16_t(z[i] - lo) <= span ? z[i] : std::uint16_t(0);
}

#if ROBOMLX_DEPTH_X86

void keep_sse2(const std::uint16_t* z, std::uint16_t* out, std::int64_t n, std::uint16_t lo, std::uint16_t span) {
  const __m128i l = _mm_set1_epi16(static_cast<short>(lo)), s = _mm_set1_epi16(static_cast<short>(span));
  const __m128i zero = _mm_setzero_si128();
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z + i));
    const __m128i keep = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_sub_epi16(v, l), s), zero);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_and_si128(keep, v));
  }
  keep_generic(z, out, i, n, lo, span);
}

__attribute__((target("avx2"))) void keep_avx2(const std::uint16_t* z, std::uint16_t* out, std::int64_t n,
                                               std::uint16_t lo, std::uint16_t span) {
  const __m256i l = _mm256_set1_epi16(static_cast<short>(lo)), s = _mm256_set1_epi16(static_cast<short>(span));
  const __m256i zero = _mm256_setzero_si256();
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(z + i));
    const __m256i keep = _mm256_cmpeq_epi16(_mm256_subs_epu16(_mm256_sub_epi16(v, l), s), zero);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_and_si256(keep, v));
  }
  keep_generic(z, out, i, n, lo, span);
}

#endif

class ThresholdCpu : public CpuTwinPrimitive {
 public:
  ThresholdCpu(mx::Stream s, std::uint16_t lo, std::uint16_t span) : CpuTwinPrimitive(s), lo_(lo), span_(span) {}

  Task task() const override {
    return [lo = lo_, span = span_, isa = best_cpu_isa()](const std::vector<mx::array>& in, std::vector<mx::array>& out) {
      const auto* z = in[0].data<std::uint16_t>();
      auto* o = out[0].data<std::uint16_t>();
      // A copy's worth of work: a second thread pays off only on large frames (>= 1Mi values each).
      parallel_for(std::int64_t(out[0].size()), 1 << 20, [&](std::int64_t a, std::int64_t b) {
        threshold_interval_row(z + a, o + a, b - a, lo, span, isa);
      });
    };
  }

  const char* name() const override { return "DepthThresholdCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const ThresholdCpu&>(other);
    return lo_ == o.lo_ && span_ == o.span_;
  }

 private:
  std::uint16_t lo_, span_;
};

}  // namespace

void threshold_interval_row(const std::uint16_t* z, std::uint16_t* out, std::int64_t n, std::uint16_t lo,
                            std::uint16_t span, CpuIsa isa) {
#if ROBOMLX_DEPTH_X86
  isa = usable_cpu_isa(isa);
  if (isa == CpuIsa::avx2) return keep_avx2(z, out, n, lo, span);
  if (isa == CpuIsa::sse2) return keep_sse2(z, out, n, lo, span);
#endif
  (void)isa;
  keep_generic(z, out, 0, n, lo, span);
}

mx::array threshold_interval_cpu(const mx::array& depth, std::uint16_t lo, std::uint16_t span, mx::Stream s) {
  return cpu_twin_outputs({depth.shape()}, {mx::uint16}, std::make_shared<ThresholdCpu>(s, lo, span),
                          {twin_input(depth, s)})[0];
}

}  // namespace robomlx::depth::detail
