// SPDX-License-Identifier: Apache-2.0
// serve.rms_norm against a plain double loop, for the portable path (mx::fast::rms_norm) and the CPU
// twin: a decode row, many rows (threads), a strided view (Gemma's per-head norms run on transposed
// heads), and float16 / bfloat16. Tolerance relative to the largest output: 1e-5 in float32; in
// half precision two roundings to the dtype (normalized value, then the product), 2^-10 (float16)
// or 2^-7 (bfloat16) each.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/serve/rms_norm.h"
#include "support.h"

namespace robomlx::serve {
namespace {

// y = x / sqrt(mean(x^2) + eps) * w over the last axis, in double, x row-major.
std::vector<double> reference(const mx::array& x, const mx::array& w, float eps) {
  mx::array xf = mx::astype(mx::contiguous(x), mx::float32), wf = mx::astype(w, mx::float32);
  mx::eval(xf, wf);
  const int D = x.shape(-1);
  const std::size_t rows = x.size() / D;
  std::vector<double> y(x.size());
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = xf.data<float>() + r * D;
    double ss = 0;
    for (int i = 0; i < D; ++i) ss += double(xr[i]) * xr[i];
    const double inv = 1.0 / std::sqrt(ss / D + eps);
    for (int i = 0; i < D; ++i) y[r * D + i] = xr[i] * inv * wf.data<float>()[i];
  }
  return y;
}

double tolerance(mx::Dtype d) { return d == mx::float32 ? 1e-5 : d == mx::float16 ? 2.5e-3 : 2e-2; }

class RmsNormTest : public test::ImplTest {};

TEST_P(RmsNormTest, MatchesPlainLoop) {
  struct Case {
    mx::Shape shape;
    mx::Dtype dtype;
    bool transposed;  // x as a [0, 2, 1, 3] view
  };
  for (const Case& c : {Case{{1, 1, 576}, mx::float32, false}, Case{{3, 7, 64}, mx::float32, false}, Case{{2, 300, 96}, mx::float32, false},
                        Case{{2, 5, 4, 32}, mx::float32, true}, Case{{4, 9, 128}, mx::float16, false},
                        Case{{1, 3, 2, 64}, mx::bfloat16, true}}) {
    mx::random::seed(c.shape.back());
    mx::array x = mx::astype(mx::multiply(mx::random::normal(c.shape), mx::array(3.0f)), c.dtype);
    if (c.transposed) x = mx::transpose(x, {0, 2, 1, 3});
    const mx::array w = mx::astype(mx::add(mx::random::normal({c.shape.back()}), mx::array(1.0f)), c.dtype);
    const float eps = 1e-5f;
    const auto want = reference(x, w, eps);
    mx::array y = mx::astype(rms_norm(x, w, eps, stream()), mx::float32);
    y.eval();
    ASSERT_EQ(y.shape(), x.shape());
    double worst = 0, top = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::abs(y.data<float>()[i] - want[i]));
      top = std::max(top, std::abs(want[i]));
    }
    EXPECT_LT(worst, tolerance(c.dtype) * top) << "shape " << c.shape.size() << "-d, last " << c.shape.back() << ", "
                                               << (c.transposed ? "transposed" : "row-major");
  }
}

TEST_P(RmsNormTest, KeepsShapeAndDtype) {
  const mx::array x = mx::astype(mx::random::normal({2, 3, 16}), mx::bfloat16);
  const mx::array y = rms_norm(x, mx::ones({16}, mx::bfloat16), 1e-6f, stream());
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.dtype(), mx::bfloat16);
}

INSTANTIATE_TEST_SUITE_P(Impls, RmsNormTest, ::testing::Values(Impl::portable, Impl::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(RmsNorm, RejectsBadArguments) {
  const mx::array x = mx::random::normal({2, 8});
  EXPECT_THROW(rms_norm(x, mx::ones({7}), 1e-5f), std::invalid_argument);
  EXPECT_THROW(rms_norm(x, mx::ones({8}, mx::float16), 1e-5f), std::invalid_argument);
  EXPECT_THROW(rms_norm(mx::ones({2, 8}, mx::int32), mx::ones({8}, mx::int32), 1e-5f), std::invalid_argument);
  EXPECT_THROW(rms_norm(x, mx::ones({8}), -1.0f), std::invalid_argument);
}

}  // namespace
}  // namespace robomlx::serve
