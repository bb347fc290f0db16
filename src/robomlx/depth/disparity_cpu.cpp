// SPDX-License-Identifier: Apache-2.0
// CPU twins of the depth <-> disparity transforms (disparity_twins.h): one pass each (custom
// Primitives) instead of the portable path's chain of whole-image MLX ops. The divisions run 8
// lanes wide (AVX2, chosen at run time) or 4 (SSE2): the scalar loop was bound by one divss per
// pixel (librealsense's loop is scalar too). Lanes equal the scalar loop bit for bit: divps / addps
// round as divss / addss, max/min keep the scalar clamp's NaN behaviour (operand order below),
// cvttps truncates as the int cast does (INT_MIN out of range or NaN, as cvttss2si), and the low
// 16 bits are kept by sign-extending them before a saturating pack that then saturates nothing.
#include "robomlx/depth/disparity_twins.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <mlx/ops.h>
#include <mlx/primitives.h>
#if ROBOMLX_DEPTH_X86
#include <immintrin.h>
#endif

#include "robomlx/core/cpu_twin_internal.h"
#include "robomlx/core/parallel.h"

namespace robomlx::depth {

namespace {

// Elementwise pass over n items split across threads. Vectorised, a 640x360 image takes well under
// a thread's start-up and join on a loaded machine: >= 256Ki values per thread.
template <typename Fn>
void for_each_chunk(std::int64_t n, const Fn& fn) {
  parallel_for(n, 1 << 18, [&](std::int64_t lo, std::int64_t hi) { fn(lo, hi); });
}

void to_disparity_generic(const std::uint16_t* z, float* d, std::int64_t i, std::int64_t n, float k) {
  for (; i < n; ++i) d[i] = z[i] == 0 ? 0.0f : k / float(z[i]);
}

void to_depth_generic(const float* d, std::uint16_t* z, std::int64_t i, std::int64_t n, float k) {
  for (; i < n; ++i) {
    const float a = std::fabs(d[i]);
    float v = k / d[i] + 0.5f;
    v = v < -2147483648.0f ? -2147483648.0f : v;
    v = v > 2147483520.0f ? 2147483520.0f : v;
    const bool normal = a >= FLT_MIN && a < INFINITY;  // std::isnormal; NaN fails both
    z[i] = normal ? std::uint16_t(std::int32_t(v)) : std::uint16_t(0);
  }
}

#if ROBOMLX_DEPTH_X86

// k / z, and +0 where z is 0 (k / 0 is inf or NaN, masked out).
inline __m128 to_disparity_sse2(__m128 z, __m128 k) {
  return _mm_andnot_ps(_mm_cmpeq_ps(z, _mm_setzero_ps()), _mm_div_ps(k, z));
}

void to_disparity_sse2(const std::uint16_t* z, float* d, std::int64_t n, float k) {
  const __m128 kv = _mm_set1_ps(k);
  const __m128i zero = _mm_setzero_si128();
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z + i));
    _mm_storeu_ps(d + i, to_disparity_sse2(_mm_cvtepi32_ps(_mm_unpacklo_epi16(v, zero)), kv));
    _mm_storeu_ps(d + i + 4, to_disparity_sse2(_mm_cvtepi32_ps(_mm_unpackhi_epi16(v, zero)), kv));
  }
  to_disparity_generic(z, d, i, n, k);
}

// The int32 of one lane group, 0 where d is not normal; the caller keeps the low 16 bits.
inline __m128i to_depth_sse2(__m128 d, __m128 k) {
  const __m128 a = _mm_andnot_ps(_mm_set1_ps(-0.0f), d);
  __m128 v = _mm_add_ps(_mm_div_ps(k, d), _mm_set1_ps(0.5f));
  v = _mm_max_ps(_mm_set1_ps(-2147483648.0f), v);  // v < lo ? lo : v (maxps returns v on NaN)
  v = _mm_min_ps(_mm_set1_ps(2147483520.0f), v);   // v > hi ? hi : v
  const __m128 normal = _mm_and_ps(_mm_cmpge_ps(a, _mm_set1_ps(FLT_MIN)), _mm_cmplt_ps(a, _mm_set1_ps(INFINITY)));
  return _mm_and_si128(_mm_castps_si128(normal), _mm_cvttps_epi32(v));
}

inline __m128i low16_sse2(__m128i v) { return _mm_srai_epi32(_mm_slli_epi32(v, 16), 16); }

void to_depth_sse2(const float* d, std::uint16_t* z, std::int64_t n, float k) {
  const __m128 kv = _mm_set1_ps(k);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i lo = low16_sse2(to_depth_sse2(_mm_loadu_ps(d + i), kv));
    const __m128i hi = low16_sse2(to_depth_sse2(_mm_loadu_ps(d + i + 4), kv));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(z + i), _mm_packs_epi32(lo, hi));
  }
  to_depth_generic(d, z, i, n, k);
}

__attribute__((target("avx2"))) inline __m256 to_disparity_avx2(__m128i z8, __m256 k) {
  const __m256 z = _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(z8));
  return _mm256_andnot_ps(_mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_EQ_OQ), _mm256_div_ps(k, z));
}

__attribute__((target("avx2"))) void to_disparity_avx2(const std::uint16_t* z, float* d, std::int64_t n, float k) {
  const __m256 kv = _mm256_set1_ps(k);
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(d + i, to_disparity_avx2(_mm_loadu_si128(reinterpret_cast<const __m128i*>(z + i)), kv));
    _mm256_storeu_ps(d + i + 8, to_disparity_avx2(_mm_loadu_si128(reinterpret_cast<const __m128i*>(z + i + 8)), kv));
  }
  to_disparity_generic(z, d, i, n, k);
}

__attribute__((target("avx2"))) inline __m256i to_depth_avx2(__m256 d, __m256 k) {
  const __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), d);
  __m256 v = _mm256_add_ps(_mm256_div_ps(k, d), _mm256_set1_ps(0.5f));
  v = _mm256_max_ps(_mm256_set1_ps(-2147483648.0f), v);
  v = _mm256_min_ps(_mm256_set1_ps(2147483520.0f), v);
  const __m256 normal = _mm256_and_ps(_mm256_cmp_ps(a, _mm256_set1_ps(FLT_MIN), _CMP_GE_OQ),
                                      _mm256_cmp_ps(a, _mm256_set1_ps(INFINITY), _CMP_LT_OQ));
  const __m256i t = _mm256_and_si256(_mm256_castps_si256(normal), _mm256_cvttps_epi32(v));
  return _mm256_srai_epi32(_mm256_slli_epi32(t, 16), 16);
}

__attribute__((target("avx2"))) void to_depth_avx2(const float* d, std::uint16_t* z, std::int64_t n, float k) {
  const __m256 kv = _mm256_set1_ps(k);
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // packs works per 128-bit half: lo0 hi0 lo1 hi1 in quarters, put back in order.
    const __m256i p = _mm256_packs_epi32(to_depth_avx2(_mm256_loadu_ps(d + i), kv),
                                         to_depth_avx2(_mm256_loadu_ps(d + i + 8), kv));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(z + i), _mm256_permute4x64_epi64(p, _MM_SHUFFLE(3, 1, 2, 0)));
  }
  to_depth_generic(d, z, i, n, k);
}

#endif

class DisparityCpu : public CpuTwinPrimitive {
 public:
  DisparityCpu(mx::Stream stream, float k, bool to_depth) : CpuTwinPrimitive(stream), k_(k), to_depth_(to_depth) {}

  Task task() const override {
    return [k = k_, to_depth = to_depth_, isa = detail::best_cpu_isa()](const std::vector<mx::array>& in,
                                                                        std::vector<mx::array>& out) {
      const std::int64_t n = out[0].size();
      if (to_depth) {
        const float* d = in[0].data<float>();
        auto* z = out[0].data<std::uint16_t>();
        for_each_chunk(n, [&](std::int64_t lo, std::int64_t hi) { detail::disparity_to_depth_row(d + lo, z + lo, hi - lo, k, isa); });
      } else {
        const auto* z = in[0].data<std::uint16_t>();
        float* d = out[0].data<float>();
        for_each_chunk(n, [&](std::int64_t lo, std::int64_t hi) { detail::depth_to_disparity_row(z + lo, d + lo, hi - lo, k, isa); });
      }
    };
  }

  const char* name() const override { return to_depth_ ? "DepthDisparityToDepthCpu" : "DepthToDisparityCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const DisparityCpu&>(other);
    return k_ == o.k_ && to_depth_ == o.to_depth_;
  }

 private:
  float k_;
  bool to_depth_;
};

mx::array make(const mx::array& x, float k, bool to_depth, mx::Stream stream) {
  return cpu_twin_outputs({x.shape()}, {to_depth ? mx::uint16 : mx::float32}, std::make_shared<DisparityCpu>(stream, k, to_depth),
                          {twin_input(x, stream)})[0];
}

}  // namespace

namespace detail {

void depth_to_disparity_row(const std::uint16_t* z, float* d, std::int64_t n, float k, CpuIsa isa) {
#if ROBOMLX_DEPTH_X86
  isa = usable_cpu_isa(isa);
  if (isa == CpuIsa::avx2) return to_disparity_avx2(z, d, n, k);
  if (isa == CpuIsa::sse2) return to_disparity_sse2(z, d, n, k);
#endif
  (void)isa;
  to_disparity_generic(z, d, 0, n, k);
}

void disparity_to_depth_row(const float* d, std::uint16_t* z, std::int64_t n, float k, CpuIsa isa) {
#if ROBOMLX_DEPTH_X86
  isa = usable_cpu_isa(isa);
  if (isa == CpuIsa::avx2) return to_depth_avx2(d, z, n, k);
  if (isa == CpuIsa::sse2) return to_depth_sse2(d, z, n, k);
#endif
  (void)isa;
  to_depth_generic(d, z, 0, n, k);
}

mx::array depth_to_disparity_cpu(const mx::array& depth, float k, mx::Stream s) { return make(depth, k, false, s); }
mx::array disparity_to_depth_cpu(const mx::array& disparity, float k, mx::Stream s) { return make(disparity, k, true, s); }

}  // namespace detail

}  // namespace robomlx::depth
