// SPDX-License-Identifier: Apache-2.0
// The decoder models' gated activations (cached_decoder_internal.h) against plain double loops: the
// fused kernel (the thread's default stream) and the ops one by one (another stream), on strided
// inputs as the models pass them (column views of one gate-and-up projection). Float32: within
// 1e-5 of the larger of 1 and the value (fma contraction and tanh's rounding).
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {
namespace {

using Fn = mx::array (*)(const mx::array&, const mx::array&, mx::Stream);

double silu(double g) { return g / (1.0 + std::exp(-g)); }
double gelu_tanh(double g) { return 0.5 * g * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (g + 0.044715 * g * g * g))); }

void check(Fn fn, double (*act)(double)) {
  mx::random::seed(7);
  const mx::array gu = mx::multiply(mx::random::normal({2, 3, 96}), mx::array(3.0f));  // [gate | up]
  const mx::array g = mx::slice(gu, {0, 0, 0}, {2, 3, 48}), u = mx::slice(gu, {0, 0, 48}, {2, 3, 96});
  const mx::array gc = mx::contiguous(g), uc = mx::contiguous(u);
  mx::eval(gc, uc);
  const mx::Stream other = mx::new_stream(mx::default_device());
  for (const mx::Stream& s : {mx::default_stream(mx::default_device()), other}) {
    const mx::array got = fn(g, u, s);
    mx::eval(got);
    ASSERT_EQ(got.shape(), (mx::Shape{2, 3, 48}));
    const float* gp = gc.data<float>();
    const float* up = uc.data<float>();
    const float* y = got.data<float>();
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double want = act(gp[i]) * up[i];
      EXPECT_NEAR(y[i], want, 1e-5 * std::max(1.0, std::abs(want))) << "element " << i << (s == other ? " (ops)" : " (fused)");
    }
  }
}

TEST(GatedActivation, SwiGluMatchesPlainLoop) { check(swiglu, silu); }

TEST(GatedActivation, GeGluTanhMatchesPlainLoop) { check(geglu_tanh, gelu_tanh); }

}  // namespace
}  // namespace robomlx::serve
