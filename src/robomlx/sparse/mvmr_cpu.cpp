// SPDX-License-Identifier: Apache-2.0
// CPU twins of MVMR and VVOR: a Primitive whose eval_cpu buckets the triplets by output
// (counting sort, O(T)) and then lets std::threads own disjoint output rows, so there are no
// atomics and no T x M intermediate. The inner loops are axpy over contiguous rows of the
// weights / outputs, which the compiler vectorises (AVX2+FMA clone on x86-64).
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/sparse/mvmr_detail.h"

namespace robomlx::sparse::detail {

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ROBOMLX_SIMD_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define ROBOMLX_SIMD_CLONES
#endif

// y[0:n] += s * x[0:n]
ROBOMLX_SIMD_CLONES void axpy(float* __restrict y, const float* __restrict x, float s, int n) {
  for (int i = 0; i < n; ++i) y[i] += s * x[i];
}
void axpy(double* __restrict y, const double* __restrict x, double s, int n) {
  for (int i = 0; i < n; ++i) y[i] += s * x[i];
}

enum class Kind { mvmr, vvor };

template <typename T>
void run_mvmr(const T* a, const T* b, const int32_t* ai, const int32_t* bi, const int32_t* oi, T* out, int64_t T_,
              int n, int G, int C, int M) {
  std::vector<int64_t> offsets(n + 1);
  std::vector<int32_t> order(T_);
  bucket_by_key(oi, T_, n, offsets.data(), order.data());
  parallel_for(n, 16, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      for (int g = 0; g < G; ++g) {
        T* acc = out + (i * G + g) * M;
        std::fill(acc, acc + M, T(0));
        for (int64_t p = offsets[i]; p < offsets[i + 1]; ++p) {
          int32_t t = order[p];
          const T* x = b + (int64_t(bi[t]) * G + g) * C;
          const T* w = a + (int64_t(ai[t]) * G + g) * C * M;
          for (int c = 0; c < C; ++c) axpy(acc, w + int64_t(c) * M, x[c], M);
        }
      }
    }
  });
}

template <typename T>
void run_vvor(const T* a, const T* b, const int32_t* ai, const int32_t* bi, const int32_t* oi, T* out, int64_t T_,
              int n, int G, int M, int C) {
  std::vector<int64_t> offsets(n + 1);
  std::vector<int32_t> order(T_);
  bucket_by_key(oi, T_, n, offsets.data(), order.data());
  // Work items are (output, group, block of rows of M) so few outputs (27 taps) still spread
  // over every thread; each item owns its rows of the output.
  constexpr int kRows = 16;
  int mblocks = (M + kRows - 1) / kRows;
  parallel_for(int64_t(n) * G * mblocks, 4, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; ++w) {
      int64_t i = w / (G * mblocks);
      int g = static_cast<int>(w / mblocks % G);
      int m0 = static_cast<int>(w % mblocks) * kRows, m1 = std::min(M, m0 + kRows);
      T* o = out + ((i * G + g) * M + m0) * C;
      std::fill(o, o + int64_t(m1 - m0) * C, T(0));
      for (int64_t p = offsets[i]; p < offsets[i + 1]; ++p) {
        int32_t t = order[p];
        const T* xa = a + (int64_t(ai[t]) * G + g) * M;
        const T* xb = b + (int64_t(bi[t]) * G + g) * C;
        for (int m = m0; m < m1; ++m) axpy(o + int64_t(m - m0) * C, xb, xa[m], C);
      }
    }
  });
}

class SparseCpu : public mx::UnaryPrimitive {
 public:
  SparseCpu(mx::Stream s, Kind kind, int num_outputs) : mx::UnaryPrimitive(s), kind_(kind), n_(num_outputs) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& x : in) enc.set_input_array(x);
    enc.set_output_array(out);
    const auto &a = in[0], &b = in[1];
    int64_t T_ = in[2].size();
    const int32_t *ai = in[2].data<int32_t>(), *bi = in[3].data<int32_t>(), *oi = in[4].data<int32_t>();
    int n = n_, G = a.shape(1);
    bool f64 = a.dtype() == mx::float64;
    if (kind_ == Kind::mvmr) {
      int C = a.shape(2), M = a.shape(3);
      if (f64) {
        enc.dispatch([=, pa = a.data<double>(), pb = b.data<double>(), po = out.data<double>()] {
          run_mvmr(pa, pb, ai, bi, oi, po, T_, n, G, C, M);
        });
      } else {
        enc.dispatch([=, pa = a.data<float>(), pb = b.data<float>(), po = out.data<float>()] {
          run_mvmr(pa, pb, ai, bi, oi, po, T_, n, G, C, M);
        });
      }
    } else {
      int M = a.shape(2), C = b.shape(2);
      if (f64) {
        enc.dispatch([=, pa = a.data<double>(), pb = b.data<double>(), po = out.data<double>()] {
          run_vvor(pa, pb, ai, bi, oi, po, T_, n, G, M, C);
        });
      } else {
        enc.dispatch([=, pa = a.data<float>(), pb = b.data<float>(), po = out.data<float>()] {
          run_vvor(pa, pb, ai, bi, oi, po, T_, n, G, M, C);
        });
      }
    }
  }
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[sparse.mvmr/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return kind_ == Kind::mvmr ? "SparseMvmrCpu" : "SparseVvorCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const SparseCpu&>(other);
    return kind_ == o.kind_ && n_ == o.n_;
  }

 private:
  Kind kind_;
  int n_;
};

mx::array run_twin(Kind kind, const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Shape out_shape) {
  auto acc = accum_dtype(a.dtype());
  auto s = mx::default_stream(mx::Device::cpu);
  std::vector<mx::array> inputs{mx::contiguous(mx::astype(a, acc, s), false, s),
                                mx::contiguous(mx::astype(b, acc, s), false, s), mx::contiguous(a_idx, false, s),
                                mx::contiguous(b_idx, false, s), mx::contiguous(o_idx, false, s)};
  auto out = mx::array(std::move(out_shape), acc, std::make_shared<SparseCpu>(s, kind, num_outputs), std::move(inputs));
  return mx::astype(out, a.dtype());
}

}  // namespace

mx::array mvmr_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs) {
  return run_twin(Kind::mvmr, a, b, a_idx, b_idx, o_idx, num_outputs, {num_outputs, a.shape(1), a.shape(3)});
}

mx::array vvor_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs) {
  return run_twin(Kind::vvor, a, b, a_idx, b_idx, o_idx, num_outputs,
                  {num_outputs, a.shape(1), a.shape(2), b.shape(2)});
}

}  // namespace robomlx::sparse::detail
