// SPDX-License-Identifier: Apache-2.0
// CPU twin of quantized_linear (quantized_linear_twins.h). Decode multiplies 1..16 rows of x by a
// 4-bit W: the work is reading W, so each group of W is unpacked once (nibbles to float32) and
// dotted with every row of x before the next group is read; the bias term uses per-group sums of
// x (sum_k (s q + b) x = s sum_k q x + b sum_k x). Rows of W are split across threads.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

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
typedef float v8f __attribute__((vector_size(32)));
typedef std::uint32_t v8u __attribute__((vector_size(32)));
typedef std::int32_t v8i __attribute__((vector_size(32)));
typedef std::uint8_t v8b __attribute__((vector_size(8)));

__attribute__((target("avx2,fma"))) inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// The same rows with the group's values unpacked eight at a time by variable shifts.
template <typename S>
__attribute__((target("avx2,fma"))) void gemv_avx2(const float* x, const float* xsum, const std::uint32_t* w, const S* sc,
                                                   const S* bi, float* y, const Shape& p, std::int64_t n0, std::int64_t n1) {
  const int G = p.group, groups = p.groups(), nv = G / 8;
  const v8u shift4 = {0, 4, 8, 12, 16, 20, 24, 28};
  v8f q[16];
  v8f tot[16];
  float bias[16];
  for (std::int64_t n = n0; n < n1; ++n) {
    for (int r = 0; r < p.m; ++r) {
      tot[r] = v8f{};
      bias[r] = 0.0f;
    }
    const std::uint32_t* row = w + n * p.words_per_row();
    for (int g = 0; g < groups; ++g) {
      const std::uint32_t* words = row + g * p.words_per_group();
      for (int j = 0; j < nv; ++j) {
        if (p.bits == 4) {
          const v8u raw = ((v8u{} + words[j]) >> shift4) & 15u;
          q[j] = __builtin_convertvector((v8i)raw, v8f);
        } else {  // 8 bits: the words are the values' bytes in order (little end first)
          v8b raw;
          std::memcpy(&raw, reinterpret_cast<const std::uint8_t*>(words) + 8 * j, 8);
          q[j] = __builtin_convertvector(raw, v8f);
        }
      }
      const float s = static_cast<float>(sc[n * groups + g]), b = static_cast<float>(bi[n * groups + g]);
      for (int r = 0; r < p.m; ++r) {
        const float* xr = x + static_cast<std::int64_t>(r) * p.k + g * G;
        v8f d = q[0] * load8(xr);
        for (int j = 1; j < nv; ++j) d += q[j] * load8(xr + 8 * j);
        tot[r] += d * s;
        bias[r] += b * xsum[r * groups + g];
      }
    }
    for (int r = 0; r < p.m; ++r) {
      const v8f t = tot[r];
      y[static_cast<std::int64_t>(r) * p.n + n] = (((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]))) + bias[r];
    }
  }
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
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
    const Shape p{dequantize_only_ ? 0 : in[0].shape(0), w.shape(0), w.shape(1) * 32 / bits_, group_, bits_};
    const float* x = dequantize_only_ ? nullptr : in[0].data<float>();
    const auto* wp = w.data<std::uint32_t>();
    const void *sp = sc.data<void>(), *bp = bi.data<void>();
    float* y = out.data<float>();
    const mx::Dtype dt = sc.dtype();
    const bool deq = dequantize_only_;
    enc.dispatch([=] {
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

mx::array quantized_dequantize_cpu(const mx::array& w, const mx::array& scales, const mx::array& biases, int group_size,
                                   int bits, mx::Stream s) {
  mx::array b = mx::astype(biases, scales.dtype(), s);
  std::vector<mx::array> in{mx::contiguous(w, false, s), mx::contiguous(scales, false, s), mx::contiguous(b, false, s)};
  return mx::array({w.shape(0), w.shape(1) * 32 / bits}, mx::float32,
                   std::make_shared<QuantizedLinearCpu>(s, group_size, bits, true), std::move(in));
}

mx::array quantized_linear_cpu(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                               int group_size, int bits, mx::Stream s) {
  const int k = x.shape(-1), n = w.shape(0);
  mx::Shape out_shape = x.shape();
  out_shape.back() = n;
  const int m = static_cast<int>(x.size() / k);
  mx::array x2 = mx::reshape(mx::astype(x, mx::float32, s), {m, k}, s);
  mx::array y = x2;
  if (m > kQuantizedGemvRows) {
    y = mx::matmul(x2, mx::transpose(quantized_dequantize_cpu(w, scales, biases, group_size, bits, s), s), s);
  } else {
    mx::array b = mx::astype(biases, scales.dtype(), s);
    std::vector<mx::array> in{mx::contiguous(x2, false, s), mx::contiguous(w, false, s), mx::contiguous(scales, false, s),
                              mx::contiguous(b, false, s)};
    y = mx::array({m, n}, mx::float32, std::make_shared<QuantizedLinearCpu>(s, group_size, bits, false), std::move(in));
  }
  return mx::astype(mx::reshape(y, out_shape, s), x.dtype(), s);
}

}  // namespace robomlx::serve::detail
