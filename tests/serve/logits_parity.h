// SPDX-License-Identifier: Apache-2.0
// The first-forward-pass parity check the decoder tests share: a golden case of
// scripts/make-model-goldens.py or scripts/make-gemma-goldens.py holds llama.cpp's 64 largest logits
// at a few positions ("top"), its argmax at every position, and the same ids' logits and the argmax
// from a float64 NumPy pass over the dequantized weights ("numpy_top", "numpy_argmax").
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <nlohmann/json.hpp>

namespace robomlx::test {

inline std::vector<float> logits_row(const mlx::core::array& logits, int r) {
  mlx::core::array a = mlx::core::astype(logits, mlx::core::float32);
  a.eval();
  const int v = a.shape(-1);
  return std::vector<float>(a.data<float>() + static_cast<std::size_t>(r) * v, a.data<float>() + static_cast<std::size_t>(r + 1) * v);
}

inline float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

inline int argmax_of(const std::vector<float>& r) { return static_cast<int>(std::max_element(r.begin(), r.end()) - r.begin()); }

struct Parity {
  double llama_worst = 0, llama_rel = 0;  // max |dlogit| against llama.cpp, and over the top logit
  double numpy_worst = 0, numpy_top = 0;  // max |dlogit| against NumPy, and the largest top logit
  int agree = 0;                          // positions whose argmax is llama.cpp's
};

/// Checks logits [T, vocab] against case `c`: every listed logit within llama_tol (relative to its
/// position's top logit) of llama.cpp's, and within numpy_tol of NumPy's; llama.cpp's greedy token
/// where its top two are more than clear_gap apart, and at all but max(2, T / 100) positions;
/// NumPy's greedy token at all but T / 200 positions (every position of a short prompt: a long one
/// has near-ties).
inline Parity check_first_pass(const mlx::core::array& logits, const nlohmann::json& c, double llama_tol, float clear_gap,
                               double numpy_tol) {
  Parity p;
  const int T = logits.shape(0);
  for (const auto& top : c["top"]) {
    const auto got = logits_row(logits, top["position"].get<int>());
    const auto ids = top["ids"].get<std::vector<int>>();
    const auto want = top["logits"].get<std::vector<float>>();
    const float scale = std::abs(want[0]);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const double d = std::abs(got[ids[i]] - want[i]);
      p.llama_worst = std::max(p.llama_worst, d);
      p.llama_rel = std::max(p.llama_rel, d / scale);
      EXPECT_LE(d, llama_tol * scale) << "position " << top["position"] << " token " << ids[i];
    }
    if (want[0] - want[1] > clear_gap) {
      EXPECT_EQ(argmax_of(got), ids[0]) << "position " << top["position"];
    }
  }
  for (std::size_t j = 0; j < c["numpy_top"].size(); ++j) {
    const auto& top = c["numpy_top"][j];
    const auto got = logits_row(logits, top["position"].get<int>());
    const auto ids = c["top"][j]["ids"].get<std::vector<int>>();
    const auto want = top["logits"].get<std::vector<float>>();
    p.numpy_top = std::max(p.numpy_top, double(std::abs(want[0])));
    for (std::size_t i = 0; i < ids.size(); ++i) p.numpy_worst = std::max(p.numpy_worst, double(std::abs(got[ids[i]] - want[i])));
  }
  EXPECT_LT(p.numpy_worst, numpy_tol * p.numpy_top) << "against the NumPy float64 reference";
  const auto numpy_argmax = c["numpy_argmax"].get<std::vector<int>>();
  const auto llama_argmax = c["argmax"].get<std::vector<int>>();
  int numpy_differ = 0;
  for (int t = 0; t < T; ++t) {
    const int got = argmax_of(logits_row(logits, t));
    if (got != numpy_argmax[t] && ++numpy_differ > T / 200) ADD_FAILURE() << "argmax differs from NumPy's at position " << t;
    p.agree += got == llama_argmax[t];
  }
  EXPECT_GE(p.agree, T - std::max(2, T / 100)) << "argmax agrees with llama.cpp at " << p.agree << " of " << T << " positions";
  std::cout << "[parity] " << T << " tokens: NumPy float64 max |dlogit| " << p.numpy_worst << "; llama.cpp max |dlogit| "
            << p.llama_worst << " (" << p.llama_rel * 100 << " % of the top logit), argmax agrees at " << p.agree << "/" << T
            << " (NumPy's at " << T - numpy_differ << ")\n";
  return p;
}

}  // namespace robomlx::test
