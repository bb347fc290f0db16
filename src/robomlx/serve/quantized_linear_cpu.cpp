// SPDX-License-Identifier: Apache-2.0
// CPU twin of quantized_linear (quantized_linear_twins.h). Decode multiplies 1..32 rows of x by a
// 4-bit W: the work is reading W, so each group of W is unpacked once (nibbles to float32) and
// dotted with every row of x before the next group is read; the bias term uses per-group sums of
// x (sum_k (s q + b) x = s sum_k q x + b sum_k x). Rows of W are split across threads.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <stdexcept>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/cpu_isa.h"
#include "robomlx/core/parallel.h"
#include "robomlx/serve/quantized_linear_twins.h"

namespace robomlx::serve::detail {

namespace {

struct Shape {
  int m, n, k, group, bits;
  int groups() const { return k / group; }
  int words_per_row() const { return k * bits / 32; }
  int words_per_group() const { return group * bits / 32; }
};

// Rows [n0, n1) of y [m, n] = x W^T, portable loops.
template <typename S>
void gemv_plain(const float* x, const float* xsum, const std::uint32_t* w, const S* sc, const S* bi, float* y,
                const Shape& p, std::int64_t n0, std::int64_t n1) {
  const int per = 32 / p.bits, G = p.group, groups = p.groups();
  const std::uint32_t mask = (1u << p.bits) - 1;
  std::vector<float> q(G), acc(p.m);
  for (std::int64_t n = n0; n < n1; ++n) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const std::uint32_t* row = w + n * p.words_per_row();
    for (int g = 0; g < groups; ++g) {
      const std::uint32_t* words = row + g * p.words_per_group();
      for (int i = 0; i < G; ++i) q[i] = static_cast<float>((words[i / per] >> ((i % per) * p.bits)) & mask);
      const float s = static_cast<float>(sc[n * groups + g]), b = static_cast<float>(bi[n * groups + g]);
      for (int r = 0; r < p.m; ++r) {
        const float* xr = x + static_cast<std::int64_t>(r) * p.k + g * G;
        float d[8] = {};
        for (int i = 0; i < G; i += 8)
          for (int j = 0; j < 8; ++j) d[j] += q[i + j] * xr[i + j];
        acc[r] += s * (((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]))) + b * xsum[r * groups + g];
      }
    }
    for (int r = 0; r < p.m; ++r) y[static_cast<std::int64_t>(r) * p.n + n] = acc[r];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ROBOMLX_QLINEAR_AVX2 1

// Eight values of W as floats: 4 bits from one word, 8 bits from two (the words hold the bytes
// in order, little end first).
__attribute__((target("avx2,fma"))) inline __m256 unpack8(const std::uint32_t* words, int j, int bits) {
  if (bits == 4) {
    const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i v = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(words[j])), shifts);
    return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(15)));
  }
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(words + 2 * j));
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
}

__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// The same rows, 32 values of W at a time: unpacked, scaled by the group's scale, then one FMA
// per 8 values and row of x into that row's accumulator.
template <typename S>
__attribute__((target("avx2,fma"))) void gemv_avx2(const float* x, const float* xsum, const std::uint32_t* w, const S* sc,
                                                   const S* bi, float* y, const Shape& p, std::int64_t n0, std::int64_t n1) {
  const int G = p.group, groups = p.groups(), blocks = G / 32, words32 = p.bits;  // words per 32 values
  __m256 tot[kQuantizedGemvRows];
  float bias[kQuantizedGemvRows];
  for (std::int64_t n = n0; n < n1; ++n) {
    for (int r = 0; r < p.m; ++r) {
      tot[r] = _mm256_setzero_ps();
      bias[r] = 0.0f;
    }
    const std::uint32_t* row = w + n * p.words_per_row();
    for (int g = 0; g < groups; ++g) {
      const float sf = static_cast<float>(sc[n * groups + g]), bf = static_cast<float>(bi[n * groups + g]);
      const __m256 s = _mm256_set1_ps(sf);
      for (int blk = 0; blk < blocks; ++blk) {
        const std::uint32_t* words = row + (g * blocks + blk) * words32;
        const __m256 q0 = _mm256_mul_ps(unpack8(words, 0, p.bits), s), q1 = _mm256_mul_ps(unpack8(words, 1, p.bits), s);
        const __m256 q2 = _mm256_mul_ps(unpack8(words, 2, p.bits), s), q3 = _mm256_mul_ps(unpack8(words, 3, p.bits), s);
        const float* xb = x + g * G + blk * 32;
        for (int r = 0; r < p.m; ++r) {
          const float* xr = xb + static_cast<std::int64_t>(r) * p.k;
          __m256 t = _mm256_fmadd_ps(q0, _mm256_loadu_ps(xr), tot[r]);
          t = _mm256_fmadd_ps(q1, _mm256_loadu_ps(xr + 8), t);
          t = _mm256_fmadd_ps(q2, _mm256_loadu_ps(xr + 16), t);
          tot[r] = _mm256_fmadd_ps(q3, _mm256_loadu_ps(xr + 24), t);
        }
      }
      for (int r = 0; r < p.m; ++r) bias[r] += bf * xsum[r * groups + g];
    }
    for (int r = 0; r < p.m; ++r) y[static_cast<std::int64_t>(r) * p.n + n] = hsum(tot[r]) + bias[r];
  }
}

// ROBOMLX_QLINEAR_GENERIC=1 keeps the portable loops (read per call: tests run both on one CPU).
bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_isa_allowed(CpuIsa::avx2);
  const char* generic = std::getenv("ROBOMLX_QLINEAR_GENERIC");
  return yes && !(generic && std::string(generic) == "1");
}
#endif

template <typename S>
void gemv(const float* x, const std::uint32_t* w, const S* sc, const S* bi, float* y, const Shape& p) {
  const int groups = p.groups();
  std::vector<float> xsum(static_cast<std::size_t>(p.m) * groups);
  for (int r = 0; r < p.m; ++r)
    for (int g = 0; g < groups; ++g) {
      float t = 0;
      for (int i = 0; i < p.group; ++i) t += x[static_cast<std::int64_t>(r) * p.k + g * p.group + i];
      xsum[r * groups + g] = t;
    }
  // Threads only where a share is worth a thread start (~2^17 multiply-adds each).
  const std::int64_t min_rows = std::max<std::int64_t>(8, (std::int64_t{1} << 17) / (static_cast<std::int64_t>(p.k) * p.m));
  parallel_for(p.n, min_rows, [&](std::int64_t n0, std::int64_t n1) {
#ifdef ROBOMLX_QLINEAR_AVX2
    if (have_avx2()) return gemv_avx2(x, xsum.data(), w, sc, bi, y, p, n0, n1);
#endif
    gemv_plain(x, xsum.data(), w, sc, bi, y, p, n0, n1);
  });
}

template <typename S>
void dequantize(const std::uint32_t* w, const S* sc, const S* bi, float* out, const Shape& p) {
  const int per = 32 / p.bits, groups = p.groups();
  const std::uint32_t mask = (1u << p.bits) - 1;
  parallel_for(p.n, 64, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; ++n) {
      const std::uint32_t* row = w + n * p.words_per_row();
      float* o = out + n * p.k;
      for (int k = 0; k < p.k; ++k) {
        const int g = k / p.group;
        const float q = static_cast<float>((row[k / per] >> ((k % per) * p.bits)) & mask);
        o[k] = static_cast<float>(sc[n * groups + g]) * q + static_cast<float>(bi[n * groups + g]);
      }
    }
  });
}

// Calls fn with the scales' element type.
template <typename F>
void with_scale_type(mx::Dtype d, F&& fn) {
  if (d == mx::float32) return fn(float{});
  if (d == mx::float16) return fn(mx::float16_t{});
  if (d == mx::bfloat16) return fn(mx::bfloat16_t{});
  throw std::invalid_argument("serve.quantized_linear/cpu: scales must be float32, float16 or bfloat16");
}

// x in row-major order: as it is when it already is, else copied element by element (any strides;
// x is small on this path: at most kQuantizedGemvRows rows).
const float* row_major(const mx::array& x, std::vector<float>& scratch) {
  if (x.flags().row_contiguous) return x.data<float>();
  scratch.resize(x.size());
  const auto& shape = x.shape();
  const auto& strides = x.strides();
  std::vector<int> idx(shape.size(), 0);
  const float* base = x.data<float>();
  for (std::size_t i = 0; i < x.size(); ++i) {
    std::int64_t off = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) off += static_cast<std::int64_t>(idx[d]) * strides[d];
    scratch[i] = base[off];
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return scratch.data();
}

class QuantizedLinearCpu : public mx::UnaryPrimitive {
 public:
  // dequantize_only: out = W [N, K]; else out = x W^T [M, N].
  QuantizedLinearCpu(mx::Stream s, int group, int bits, bool dequantize_only)
      : mx::UnaryPrimitive(s), group_(group), bits_(bits), dequantize_only_(dequantize_only) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    enc.set_output_array(out);
    const int off = dequantize_only_ ? 0 : 1;
    const mx::array &w = in[off], &sc = in[off + 1], &bi = in[off + 2];
    const int k = w.shape(1) * 32 / bits_;
    const Shape p{dequantize_only_ ? 0 : static_cast<int>(in[0].size() / k), w.shape(0), k, group_, bits_};
    const mx::array x_in = dequantize_only_ ? mx::array(0.0f) : in[0];
    const auto* wp = w.data<std::uint32_t>();
    const void *sp = sc.data<void>(), *bp = bi.data<void>();
    float* y = out.data<float>();
    const mx::Dtype dt = sc.dtype();
    const bool deq = dequantize_only_;
    enc.dispatch([=] {
      std::vector<float> scratch;
      const float* x = deq ? nullptr : row_major(x_in, scratch);
      with_scale_type(dt, [&](auto tag) {
        using S = decltype(tag);
        const auto* s = static_cast<const S*>(sp);
        const auto* b = static_cast<const S*>(bp);
        if (deq) {
          dequantize(wp, s, b, y, p);
        } else {
          gemv(x, wp, s, b, y, p);
        }
      });
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[serve.quantized_linear/cpu] the CPU twin has no GPU path; use the portable path");
  }

  const char* name() const override { return "ServeQuantizedLinearCpu"; }

 private:
  int group_, bits_;
  bool dequantize_only_;
};

}  // namespace

// Evaluated, row-contiguous arrays (weights, mostly) go in as they are; anything else through
// mx::contiguous (a no-copy node when it already is). Fewer graph nodes matter: a decode step of a
// 30-layer model runs ~200 of these, and every node costs a hand-off to MLX's CPU stream thread.
mx::array as_input(const mx::array& a, mx::Stream s) {
  if (a.is_available() && a.flags().row_contiguous) return a;
  return mx::contiguous(a, false, s);
}

mx::array quantized_dequantize_cpu(const mx::array& w, const mx::array& scales, const mx::array& biases, int group_size,
                                   int bits, mx::Stream s) {
  mx::array b = biases.dtype() == scales.dtype() ? biases : mx::astype(biases, scales.dtype(), s);
  std::vector<mx::array> in{as_input(w, s), as_input(scales, s), as_input(b, s)};
  return mx::array({w.shape(0), w.shape(1) * 32 / bits}, mx::float32,
                   std::make_shared<QuantizedLinearCpu>(s, group_size, bits, true), std::move(in));
}

mx::array quantized_linear_cpu(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                               int group_size, int bits, mx::Stream s) {
  const int k = x.shape(-1), n = w.shape(0);
  mx::Shape out_shape = x.shape();
  out_shape.back() = n;
  const int m = static_cast<int>(x.size() / k);
  mx::array xf = x.dtype() == mx::float32 ? x : mx::astype(x, mx::float32, s);
  mx::array y = xf;
  if (m > kQuantizedGemvRows) {
    y = mx::reshape(mx::matmul(mx::reshape(xf, {m, k}, s),
                               mx::transpose(quantized_dequantize_cpu(w, scales, biases, group_size, bits, s), s), s),
                    out_shape, s);
  } else {
    mx::array b = biases.dtype() == scales.dtype() ? biases : mx::astype(biases, scales.dtype(), s);
    std::vector<mx::array> in{xf, as_input(w, s), as_input(scales, s), as_input(b, s)};  // any strides: row_major()
    y = mx::array(out_shape, mx::float32, std::make_shared<QuantizedLinearCpu>(s, group_size, bits, false), std::move(in));
  }
  return x.dtype() == mx::float32 ? y : mx::astype(y, x.dtype(), s);
}

}  // namespace robomlx::serve::detail
