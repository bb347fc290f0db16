// SPDX-License-Identifier: Apache-2.0
// Random triplets and plain-loop references for the MVMR / VVOR tests (float64 host loops).
#pragma once

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <mlx/ops.h>

namespace robomlx::sparse::test {

namespace mx = mlx::core;

struct Triplets {
  std::vector<int> a, b, o;  // a_idx (tap), b_idx (input row), o_idx (output row)
  int size() const { return static_cast<int>(a.size()); }
};

/// Each of n_o outputs gets uniformly lo..hi triplets with random taps and inputs (upstream's
/// test generator); the result is ordered by output.
inline Triplets random_triplets(int n_a, int n_b, int n_o, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> count(lo, hi), ta(0, n_a - 1), tb(0, n_b - 1);
  Triplets t;
  for (int i = 0; i < n_o; ++i) {
    for (int c = count(rng); c > 0; --c) {
      t.a.push_back(ta(rng));
      t.b.push_back(tb(rng));
      t.o.push_back(i);
    }
  }
  return t;
}

/// Reorders the triplets by key (stable): "a", "b" or "o".
inline Triplets sorted_by(const Triplets& t, char key) {
  const auto& k = key == 'a' ? t.a : key == 'b' ? t.b : t.o;
  std::vector<int> perm(t.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int x, int y) { return k[x] < k[y]; });
  Triplets s;
  for (int p : perm) {
    s.a.push_back(t.a[p]);
    s.b.push_back(t.b[p]);
    s.o.push_back(t.o[p]);
  }
  return s;
}

inline std::vector<float> random_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline mx::array to_array(const std::vector<float>& v, mx::Shape shape) {
  return mx::array(v.data(), std::move(shape), mx::float32);
}
inline mx::array to_array(const std::vector<int>& v) {
  return mx::array(v.data(), {static_cast<int>(v.size())}, mx::int32);
}
inline mx::array to_array(const std::vector<double>& v, mx::Shape shape) {
  std::vector<float> f(v.begin(), v.end());
  return mx::array(f.data(), std::move(shape), mx::float32);
}

/// o[n_o, G, M] with o[o_t] += b[b_t] @ a[a_t] per group; a [K, G, C, M], b [N_b, G, C].
inline std::vector<double> mvmr_loop(const std::vector<float>& a, const std::vector<float>& b, const Triplets& t,
                                     int n_o, int G, int C, int M) {
  std::vector<double> o(size_t(n_o) * G * M, 0.0);
  for (int p = 0; p < t.size(); ++p) {
    for (int g = 0; g < G; ++g) {
      double* out = &o[(size_t(t.o[p]) * G + g) * M];
      const float* x = &b[(size_t(t.b[p]) * G + g) * C];
      const float* w = &a[(size_t(t.a[p]) * G + g) * C * M];
      for (int c = 0; c < C; ++c) {
        for (int m = 0; m < M; ++m) out[m] += double(x[c]) * w[size_t(c) * M + m];
      }
    }
  }
  return o;
}

/// o[n_o, G, M, C] with o[o_t] += outer(a[a_t], b[b_t]) per group; a [N_a, G, M], b [N_b, G, C].
inline std::vector<double> vvor_loop(const std::vector<float>& a, const std::vector<float>& b, const Triplets& t,
                                     int n_o, int G, int M, int C) {
  std::vector<double> o(size_t(n_o) * G * M * C, 0.0);
  for (int p = 0; p < t.size(); ++p) {
    for (int g = 0; g < G; ++g) {
      double* out = &o[(size_t(t.o[p]) * G + g) * M * C];
      const float* xa = &a[(size_t(t.a[p]) * G + g) * M];
      const float* xb = &b[(size_t(t.b[p]) * G + g) * C];
      for (int m = 0; m < M; ++m) {
        for (int c = 0; c < C; ++c) out[size_t(m) * C + c] += double(xa[m]) * xb[c];
      }
    }
  }
  return o;
}

}  // namespace robomlx::sparse::test
