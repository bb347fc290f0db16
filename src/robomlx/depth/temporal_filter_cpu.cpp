// SPDX-License-Identifier: Apache-2.0
// CPU twin of the temporal filter: librealsense's per-pixel loop in a three-output Primitive
// (output, last, history). On float (disparity) frames x86 runs it 8 lanes wide (AVX2, chosen at
// run time) or 4 (SSE2) without branches: the scalar loop's branches on holes and on the delta test
// mispredict on real frames. Lanes equal the scalar loop bit for bit: the same float32 sub / abs /
// compare and alpha * c + keep * l (no fma: -ffp-contract=off, and the AVX2 target has no FMA);
// NaN compares as the scalar `!=` and `<` do (unordered-true not-equal, ordered less-than). The
// persistence table is looked up in scalar code only for the lanes that need it (a hole with a
// last value). uint16 frames and other CPUs (arm64) run the scalar loop.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/cpu_twin_internal.h"
#include "robomlx/core/parallel.h"
#include "robomlx/depth/temporal_filter_twins.h"
#if ROBOMLX_DEPTH_X86
#include <immintrin.h>
#endif

namespace robomlx::depth::detail {

namespace {

using Params = TemporalRowParams;

template <typename T>
void run(const T* frame, const T* last_in, const uint8_t* hist_in, T* out, T* last, uint8_t* hist, size_t lo,
         size_t hi, const Params& q) {
  for (size_t i = lo; i < hi; ++i) {
    T c = frame[i], l = last_in[i];
    uint8_t h = hist_in[i];
    T o = c;
    if (c != T(0)) {
      // For uint16 the float difference is exact, so this equals upstream's integer test.
      if (l != T(0) && std::fabs(static_cast<float>(c) - static_cast<float>(l)) < q.delta) {
        float filtered = q.alpha * static_cast<float>(c) + q.keep * static_cast<float>(l);
        o = l = static_cast<T>(filtered);
        h |= q.mask;
      } else {
        l = c;
        h = q.mask;
      }
    } else {
      if (l != T(0) && q.table[h]) o = l;
      h &= static_cast<uint8_t>(~q.mask);
    }
    out[i] = o;
    last[i] = l;
    hist[i] = h;
  }
}


#if ROBOMLX_DEPTH_X86

// A hole (c == 0, c may be -0) with a last value: the output is that value where the table says so.
inline void persist_lanes(unsigned lanes, const float* last_in, const uint8_t* hist_in, float* out, const Params& q) {
  for (; lanes; lanes &= lanes - 1) {
    const int j = __builtin_ctz(lanes);
    if (q.table[hist_in[j]]) out[j] = last_in[j];
  }
}

inline __m128 sel_sse2(__m128 m, __m128 a, __m128 b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
inline __m128i sel_sse2(__m128i m, __m128i a, __m128i b) {
  return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}

void run_float_sse2(const float* frame, const float* last_in, const uint8_t* hist_in, float* out, float* last,
                    uint8_t* hist, size_t lo, size_t hi, const Params& q) {
  const __m128 zero = _mm_setzero_ps(), delta = _mm_set1_ps(q.delta), alpha = _mm_set1_ps(q.alpha);
  const __m128 keep = _mm_set1_ps(q.keep), sign = _mm_set1_ps(-0.0f);
  const __m128i m = _mm_set1_epi8(static_cast<char>(q.mask));
  size_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    const __m128 c = _mm_loadu_ps(frame + i), l = _mm_loadu_ps(last_in + i);
    const __m128 cnz = _mm_cmpneq_ps(c, zero), lnz = _mm_cmpneq_ps(l, zero);  // NaN != 0, as in C
    const __m128 close = _mm_cmplt_ps(_mm_andnot_ps(sign, _mm_sub_ps(c, l)), delta);
    const __m128 blend = _mm_and_ps(cnz, _mm_and_ps(lnz, close));
    const __m128 f = _mm_add_ps(_mm_mul_ps(alpha, c), _mm_mul_ps(keep, l));
    _mm_storeu_ps(out + i, sel_sse2(blend, f, c));
    _mm_storeu_ps(last + i, sel_sse2(blend, f, sel_sse2(cnz, c, l)));
    // History: blended h | mask, other valid pixels mask, holes h & ~mask (4 lanes -> 4 bytes).
    int h4;
    std::memcpy(&h4, hist_in + i, 4);
    const __m128i h = _mm_cvtsi32_si128(h4);
    const __m128i b16 = _mm_packs_epi32(_mm_castps_si128(blend), _mm_castps_si128(blend));
    const __m128i c16 = _mm_packs_epi32(_mm_castps_si128(cnz), _mm_castps_si128(cnz));
    const __m128i b8 = _mm_packs_epi16(b16, b16), c8 = _mm_packs_epi16(c16, c16);
    const __m128i nh = sel_sse2(c8, sel_sse2(b8, _mm_or_si128(h, m), m), _mm_andnot_si128(m, h));
    h4 = _mm_cvtsi128_si32(nh);
    std::memcpy(hist + i, &h4, 4);
    persist_lanes(static_cast<unsigned>(_mm_movemask_ps(_mm_andnot_ps(cnz, lnz))), last_in + i, hist_in + i, out + i, q);
  }
  run(frame, last_in, hist_in, out, last, hist, i, hi, q);
}

__attribute__((target("avx2"))) void run_float_avx2(const float* frame, const float* last_in, const uint8_t* hist_in,
                                                    float* out, float* last, uint8_t* hist, size_t lo, size_t hi,
                                                    const Params& q) {
  const __m256 zero = _mm256_setzero_ps(), delta = _mm256_set1_ps(q.delta), alpha = _mm256_set1_ps(q.alpha);
  const __m256 keep = _mm256_set1_ps(q.keep), sign = _mm256_set1_ps(-0.0f);
  const __m128i m = _mm_set1_epi8(static_cast<char>(q.mask));
  size_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    const __m256 c = _mm256_loadu_ps(frame + i), l = _mm256_loadu_ps(last_in + i);
    const __m256 cnz = _mm256_cmp_ps(c, zero, _CMP_NEQ_UQ), lnz = _mm256_cmp_ps(l, zero, _CMP_NEQ_UQ);
    const __m256 close = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_sub_ps(c, l)), delta, _CMP_LT_OQ);
    const __m256 blend = _mm256_and_ps(cnz, _mm256_and_ps(lnz, close));
    const __m256 f = _mm256_add_ps(_mm256_mul_ps(alpha, c), _mm256_mul_ps(keep, l));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(c, f, blend));
    _mm256_storeu_ps(last + i, _mm256_blendv_ps(_mm256_blendv_ps(l, c, cnz), f, blend));
    const __m128i h = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(hist_in + i));
    const __m256i bi = _mm256_castps_si256(blend), ci = _mm256_castps_si256(cnz);
    const __m128i b16 = _mm_packs_epi32(_mm256_castsi256_si128(bi), _mm256_extracti128_si256(bi, 1));
    const __m128i c16 = _mm_packs_epi32(_mm256_castsi256_si128(ci), _mm256_extracti128_si256(ci, 1));
    const __m128i b8 = _mm_packs_epi16(b16, b16), c8 = _mm_packs_epi16(c16, c16);
    const __m128i nh = _mm_blendv_epi8(_mm_andnot_si128(m, h), _mm_blendv_epi8(m, _mm_or_si128(h, m), b8), c8);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(hist + i), nh);
    persist_lanes(static_cast<unsigned>(_mm256_movemask_ps(_mm256_andnot_ps(cnz, lnz))), last_in + i, hist_in + i,
                  out + i, q);
  }
  run(frame, last_in, hist_in, out, last, hist, i, hi, q);
}

#endif

class TemporalFilterCpu : public CpuTwinPrimitive {
 public:
  TemporalFilterCpu(mx::Stream s, const Params& q) : CpuTwinPrimitive(s), q_(q) {}

  Task task() const override {
    return [q = q_, isa = best_cpu_isa()](const std::vector<mx::array>& in, std::vector<mx::array>& out) {
      const bool is_float = in[0].dtype() == mx::float32;
      const void *f = in[0].data<void>(), *l = in[1].data<void>();
      const uint8_t* h = in[2].data<uint8_t>();
      void *o = out[0].data<void>(), *nl = out[1].data<void>();
      uint8_t* nh = out[2].data<uint8_t>();
      // Pixels are independent. Vectorised, a 640x360 frame costs less than a second thread's
      // start-up and join on a loaded machine: at least 256Ki per thread.
      parallel_for(static_cast<int64_t>(in[0].size()), 1 << 18, [&](int64_t lo, int64_t hi) {
        if (is_float) {
          temporal_filter_row(static_cast<const float*>(f) + lo, static_cast<const float*>(l) + lo, h + lo,
                              static_cast<float*>(o) + lo, static_cast<float*>(nl) + lo, nh + lo, hi - lo, q, isa);
        } else {
          run(static_cast<const uint16_t*>(f), static_cast<const uint16_t*>(l), h, static_cast<uint16_t*>(o),
              static_cast<uint16_t*>(nl), nh, lo, hi, q);
        }
      });
    };
  }
  const char* name() const override { return "TemporalFilterCpu"; }

 private:
  Params q_;
};

}  // namespace

void temporal_filter_row(const float* frame, const float* last_in, const uint8_t* hist_in, float* out, float* last,
                         uint8_t* hist, std::int64_t n, const TemporalRowParams& q, CpuIsa isa) {
#if ROBOMLX_DEPTH_X86
  isa = usable_cpu_isa(isa);
  if (isa == CpuIsa::avx2) return run_float_avx2(frame, last_in, hist_in, out, last, hist, 0, size_t(n), q);
  if (isa == CpuIsa::sse2) return run_float_sse2(frame, last_in, hist_in, out, last, hist, 0, size_t(n), q);
#endif
  (void)isa;
  run(frame, last_in, hist_in, out, last, hist, 0, size_t(n), q);
}

std::vector<mx::array> temporal_filter_cpu(const mx::array& frame, const mx::array& last, const mx::array& history,
                                           const TemporalFilterOptions& options, int phase, mx::Stream s) {
  Params q;
  q.alpha = options.alpha;
  q.keep = 1.0f - options.alpha;
  q.delta = static_cast<float>(options.delta);
  q.mask = static_cast<uint8_t>(1u << phase);
  q.table = persistence_table(options.persistence, phase);
  std::vector<mx::array> in = {twin_input(frame, s), twin_input(last, s), twin_input(history, s)};
  return cpu_twin_outputs({frame.shape(), frame.shape(), frame.shape()}, {frame.dtype(), frame.dtype(), mx::uint8},
                          std::make_shared<TemporalFilterCpu>(s, q), in);
}

}  // namespace robomlx::depth::detail
