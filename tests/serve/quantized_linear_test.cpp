// SPDX-License-Identifier: Apache-2.0
// serve.quantized_linear against a plain double loop over the unpacked layout, for the portable
// path (mx::quantized_matmul) and the CPU twin, 4 and 8 bits, the GEMV rows and the dequantize +
// matmul rows, float16 and float32 scales.
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/serve/quantized_linear.h"
#include "support.h"

namespace robomlx::serve {
namespace {

// y[m, n] = sum_k (s q + b) x, unpacking the words bit by bit as quantized_linear.h states.
std::vector<double> reference(const mx::array& x, const mx::array& w, const mx::array& sc, const mx::array& bi, int group,
                              int bits) {
  mx::array xf = mx::astype(x, mx::float32), s = mx::astype(sc, mx::float32), b = mx::astype(bi, mx::float32);
  mx::eval(xf, s, b, w);
  const int n = w.shape(0), k = w.shape(1) * 32 / bits, m = static_cast<int>(x.size() / k), groups = k / group;
  const auto* wp = w.data<std::uint32_t>();
  std::vector<double> y(static_cast<std::size_t>(m) * n, 0.0);
  for (int r = 0; r < m; ++r)
    for (int j = 0; j < n; ++j) {
      double acc = 0;
      for (int i = 0; i < k; ++i) {
        const int bit = i * bits;
        const std::uint32_t q = (wp[j * (k * bits / 32) + bit / 32] >> (bit % 32)) & ((1u << bits) - 1);
        const int g = i / group;
        acc += (double(s.data<float>()[j * groups + g]) * q + b.data<float>()[j * groups + g]) * xf.data<float>()[r * k + i];
      }
      y[static_cast<std::size_t>(r) * n + j] = acc;
    }
  return y;
}

struct Case {
  int m, n, k, group, bits;
  mx::Dtype scale_dtype;
};

class QuantizedLinearTest : public test::ImplTest {};

TEST_P(QuantizedLinearTest, MatchesPlainLoop) {
  // The CPU twin's AVX2 kernel, and its generic loops (what arm64 runs) via ROBOMLX_QLINEAR_GENERIC.
  for (const char* generic : {"0", "1"}) {
  setenv("ROBOMLX_QLINEAR_GENERIC", generic, 1);
  for (const Case& c : {Case{1, 40, 96, 32, 4, mx::float16}, Case{3, 33, 128, 64, 8, mx::float32}, Case{16, 24, 256, 128, 4, mx::float16},
                        Case{21, 48, 64, 32, 8, mx::float16}, Case{40, 48, 64, 32, 4, mx::float16},
                        Case{1, 64, 576, 32, 8, mx::bfloat16}}) {
    mx::random::seed(c.m * 1000 + c.n);
    auto q = mx::quantize(mx::random::normal({c.n, c.k}), c.group, c.bits);
    mx::array w = q[0], sc = mx::astype(q[1], c.scale_dtype), bi = mx::astype(q[2], c.scale_dtype);
    mx::array x = mx::random::normal({c.m, c.k});
    const auto want = reference(x, w, sc, bi, c.group, c.bits);
    mx::array y = quantized_linear(x, w, sc, bi, c.group, c.bits, stream());
    y.eval();
    ASSERT_EQ(y.shape(), (mx::Shape{c.m, c.n}));
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
      worst = std::max(worst, std::abs(y.data<float>()[i] - want[i]) / (1.0 + std::abs(want[i])));
    EXPECT_LT(worst, 2e-4) << "m " << c.m << " n " << c.n << " k " << c.k << " bits " << c.bits << " generic " << generic;
  }
  }
  unsetenv("ROBOMLX_QLINEAR_GENERIC");
}

TEST_P(QuantizedLinearTest, TakesStridedX) {
  auto q = mx::quantize(mx::random::normal({24, 64}), 32, 4);
  mx::array xt = mx::random::normal({64, 5});
  mx::array x = mx::transpose(xt);  // [5, 64], column-major view
  mx::array want = quantized_linear(mx::contiguous(x), q[0], q[1], q[2], 32, 4, stream());
  mx::array got = quantized_linear(x, q[0], q[1], q[2], 32, 4, stream());
  EXPECT_LT(mx::max(mx::abs(mx::subtract(got, want))).item<float>(), 1e-5f);
}

TEST_P(QuantizedLinearTest, KeepsLeadingAxesAndDtype) {
  auto q = mx::quantize(mx::random::normal({8, 64}), 32, 4);
  mx::array x = mx::astype(mx::random::normal({2, 3, 64}), mx::float16);
  mx::array y = quantized_linear(x, q[0], q[1], q[2], 32, 4, stream());
  EXPECT_EQ(y.shape(), (mx::Shape{2, 3, 8}));
  EXPECT_EQ(y.dtype(), mx::float16);
}

INSTANTIATE_TEST_SUITE_P(Impls, QuantizedLinearTest, ::testing::Values(Impl::portable, Impl::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(QuantizedLinear, RejectsBadLayouts) {
  auto q = mx::quantize(mx::random::normal({8, 64}), 32, 4);
  mx::array x = mx::random::normal({1, 64});
  EXPECT_THROW(quantized_linear(x, q[0], q[1], q[2], 32, 3), std::invalid_argument);
  EXPECT_THROW(quantized_linear(x, q[0], q[1], q[2], 16, 4), std::invalid_argument);
  EXPECT_THROW(quantized_linear(mx::random::normal({1, 63}), q[0], q[1], q[2], 32, 4), std::invalid_argument);
  EXPECT_THROW(quantized_linear(x, q[0], q[1], mx::transpose(q[1]), 32, 4), std::invalid_argument);
}

}  // namespace
}  // namespace robomlx::serve
