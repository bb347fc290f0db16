// SPDX-License-Identifier: Apache-2.0
// CPU twins of MVMR and VVOR: a Primitive whose eval_cpu buckets the triplets by output
// (counting sort, O(T)) and then lets std::threads own disjoint output rows, so there are no
// atomics and no T x M intermediate. float32 runs register-tiled micro-kernels
// (mvmr_cpu_internal.h); float64 (finite-difference checks) runs plain loops.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/parallel.h"
#include "robomlx/sparse/mvmr_cpu_internal.h"
#include "robomlx/sparse/mvmr_twins.h"

namespace robomlx::sparse::detail {

namespace {

// Counting sort of [0, T) by key (values in [0, n)): order[offsets[i]:offsets[i+1]] lists,
// in ascending t, the positions with key i. offsets has n + 1 entries.
void bucket_by_key(const int32_t* key, int64_t T, int64_t n, int64_t* offsets, int32_t* order) {
  std::fill(offsets, offsets + n + 1, 0);
  for (int64_t t = 0; t < T; ++t) ++offsets[key[t] + 1];
  for (int64_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
  std::vector<int64_t> fill(offsets, offsets + n);
  for (int64_t t = 0; t < T; ++t) order[fill[key[t]]++] = static_cast<int32_t>(t);
}

// y[0:n] += s * x[0:n] (the float64 path).
template <typename T>
void axpy(T* __restrict y, const T* __restrict x, T s, int n) {
  for (int i = 0; i < n; ++i) y[i] += s * x[i];
}

enum class Kind { mvmr, vvor };

// Generic (float64) paths: plain axpy loops, used by finite-difference checks.
template <typename T>
void run_mvmr(const T* a, const T* b, const int32_t* ai, const int32_t* bi, const int32_t* oi, T* out, int64_t T_,
              int n, int K, int G, int C, int M) {
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

// float32: each thread owns a range of outputs; inside it the triplets are regrouped by tap so
// one weight matrix serves runs of 4 triplets through a register-tiled 4 x 16 micro-kernel.
template <>
void run_mvmr<float>(const float* a, const float* b, const int32_t* ai, const int32_t* bi, const int32_t* oi,
                     float* out, int64_t T_, int n, int K, int G, int C, int M) {
  std::vector<int64_t> offsets(n + 1);
  std::vector<int32_t> order(T_);
  bucket_by_key(oi, T_, n, offsets.data(), order.data());
  const int m_full = M / kTileCols * kTileCols;
  parallel_for(n, 64, [&](int64_t i0, int64_t i1) {
    std::fill(out + i0 * G * M, out + i1 * G * M, 0.f);
    int64_t p0 = offsets[i0], np = offsets[i1] - p0;
    std::vector<int32_t> taps(np), by_tap(np);
    std::vector<int64_t> tap_off(K + 1);
    for (int64_t p = 0; p < np; ++p) taps[p] = ai[order[p0 + p]];
    bucket_by_key(taps.data(), np, K, tap_off.data(), by_tap.data());
    std::vector<float> zero_x(C, 0.f), scratch_y(M, 0.f);
    for (int g = 0; g < G; ++g) {
      for (int k = 0; k < K; ++k) {
        const float* w = a + (int64_t(k) * G + g) * C * M;
        for (int64_t q0 = tap_off[k]; q0 < tap_off[k + 1]; q0 += kTileRows) {
          const float* xs[kTileRows];
          float* ys[kTileRows];
          int rows = static_cast<int>(std::min<int64_t>(kTileRows, tap_off[k + 1] - q0));
          for (int q = 0; q < kTileRows; ++q) {
            if (q < rows) {
              int32_t t = order[p0 + by_tap[q0 + q]];
              xs[q] = b + (int64_t(bi[t]) * G + g) * C;
              ys[q] = out + (int64_t(oi[t]) * G + g) * M;
            } else {
              xs[q] = zero_x.data();
              ys[q] = scratch_y.data();
            }
          }
          for (int m0 = 0; m0 < m_full; m0 += kTileCols) {
            float* yt[kTileRows];
            for (int q = 0; q < kTileRows; ++q) yt[q] = ys[q] + m0;
            gemm_rows_tile(xs, w + m0, C, M, yt);
          }
          for (int m = m_full; m < M; ++m) {
            for (int q = 0; q < rows; ++q) {
              float s = 0.f;
              for (int c = 0; c < C; ++c) s += xs[q][c] * w[int64_t(c) * M + m];
              ys[q][m] += s;
            }
          }
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
  // Work items are (output, group, block of rows of M), so few outputs (27 taps) still spread
  // over every thread; each item owns its rows of the output. The item's triplets are
  // processed in chunks whose rows are first gathered into contiguous buffers that stay in
  // cache while every 4 x 16 tile of the block sums over them (random rows are read once per
  // chunk, not once per tile).
  constexpr int kRows = 64, kChunk = 128;
  int mblocks = (M + kRows - 1) / kRows;
  parallel_for(int64_t(n) * G * mblocks, 1, [&](int64_t w0, int64_t w1) {
    std::vector<T> abuf(size_t(kChunk) * kRows), bbuf(size_t(kChunk) * C);
    std::vector<const T*> pa(kChunk), pb(kChunk);
    for (int t = 0; t < kChunk; ++t) {
      pa[t] = abuf.data() + size_t(t) * kRows;
      pb[t] = bbuf.data() + size_t(t) * C;
    }
    for (int64_t w = w0; w < w1; ++w) {
      int64_t i = w / (G * mblocks);
      int g = static_cast<int>(w / mblocks % G);
      int m0 = static_cast<int>(w % mblocks) * kRows, m1 = std::min(M, m0 + kRows), rows = m1 - m0;
      T* o = out + ((i * G + g) * M + m0) * C;
      std::fill(o, o + int64_t(rows) * C, T(0));
      int m_tiled = 0, c_full = 0;
      if constexpr (std::is_same_v<T, float>) {
        m_tiled = rows / kTileRows * kTileRows;
        c_full = C / kTileCols * kTileCols;
      }
      for (int64_t p0 = offsets[i]; p0 < offsets[i + 1]; p0 += kChunk) {
        int np = static_cast<int>(std::min<int64_t>(kChunk, offsets[i + 1] - p0));
        for (int q = 0; q < np; ++q) {
          int32_t t = order[p0 + q];
          const T* ra = a + (int64_t(ai[t]) * G + g) * M + m0;
          std::copy(ra, ra + rows, abuf.data() + size_t(q) * kRows);
          const T* rb = b + (int64_t(bi[t]) * G + g) * C;
          std::copy(rb, rb + C, bbuf.data() + size_t(q) * C);
        }
        if constexpr (std::is_same_v<T, float>) {
          for (int m = 0; m < m_tiled; m += kTileRows) {
            for (int c0 = 0; c0 < c_full; c0 += kTileCols) {
              outer_sum_tile(pa.data(), m, pb.data(), c0, np, o + int64_t(m) * C + c0, C);
            }
          }
        }
        // Edges (and all of float64): rows past the tiles, and columns past them in tiled rows.
        for (int q = 0; q < np; ++q) {
          const T* xa = pa[q];
          const T* xb = pb[q];
          for (int m = 0; m < rows; ++m) {
            T* row = o + int64_t(m) * C;
            for (int c = m < m_tiled ? c_full : 0; c < C; ++c) row[c] += xa[m] * xb[c];
          }
        }
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
      int K = a.shape(0), C = a.shape(2), M = a.shape(3);
      if (f64) {
        enc.dispatch([=, pa = a.data<double>(), pb = b.data<double>(), po = out.data<double>()] {
          run_mvmr(pa, pb, ai, bi, oi, po, T_, n, K, G, C, M);
        });
      } else {
        enc.dispatch([=, pa = a.data<float>(), pb = b.data<float>(), po = out.data<float>()] {
          run_mvmr(pa, pb, ai, bi, oi, po, T_, n, K, G, C, M);
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

// On `s`, a CPU stream (choose_impl picks this twin only there).
mx::array run_twin(Kind kind, const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Shape out_shape, mx::Stream s) {
  auto acc = accum_dtype(a.dtype());
  std::vector<mx::array> inputs{mx::contiguous(mx::astype(a, acc, s), false, s),
                                mx::contiguous(mx::astype(b, acc, s), false, s), mx::contiguous(a_idx, false, s),
                                mx::contiguous(b_idx, false, s), mx::contiguous(o_idx, false, s)};
  auto out = mx::array(std::move(out_shape), acc, std::make_shared<SparseCpu>(s, kind, num_outputs), std::move(inputs));
  return mx::astype(out, a.dtype(), s);
}

}  // namespace

mx::array mvmr_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Stream s) {
  return run_twin(Kind::mvmr, a, b, a_idx, b_idx, o_idx, num_outputs, {num_outputs, a.shape(1), a.shape(3)}, s);
}

mx::array vvor_cpu(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, mx::Stream s) {
  return run_twin(Kind::vvor, a, b, a_idx, b_idx, o_idx, num_outputs,
                  {num_outputs, a.shape(1), a.shape(2), b.shape(2)}, s);
}

}  // namespace robomlx::sparse::detail
