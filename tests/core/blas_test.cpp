// SPDX-License-Identifier: Apache-2.0
// MLX's float32 matmul and conv against plain loops (they go through whichever BLAS is linked),
// and the build's BLAS choice is the one actually resolved.
#include <random>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/blas_info.h"
#include "support.h"

namespace robomlx {
namespace {

TEST(Blas, MatmulMatchesLoop) {
  const int m = 37, k = 53, n = 29;
  auto key = mx::random::key(3);
  auto a = mx::random::normal({m, k}, mx::float32, 0.f, 1.f, key);
  auto b = mx::random::normal({k, n}, mx::float32, 0.f, 1.f, mx::random::split(key).first);
  auto c = mx::matmul(a, b);
  auto ah = mx::astype(a, mx::float64, mx::Device::cpu), bh = mx::astype(b, mx::float64, mx::Device::cpu);
  mx::eval(ah, bh);
  std::vector<double> ref(m * n, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      for (int p = 0; p < k; ++p) ref[i * n + j] += ah.data<double>()[i * k + p] * bh.data<double>()[p * n + j];
  // TF32 on CUDA tensor cores keeps ~10 mantissa bits: allow 2e-3 of the scale there, 1e-5 on CPU.
  double rtol = mx::default_device() == mx::Device::gpu ? 2e-3 : 1e-5;
  EXPECT_CLOSE(allclose_scaled(c, mx::array(ref.data(), {m, n}, mx::float64), rtol));
}

TEST(Blas, InterposedOpenBlasIsResolved) {
#if defined(ROBOMLX_EXPECT_OPENBLAS)
  EXPECT_NE(blas_provider().find("openblas"), std::string::npos) << "cblas_sgemm resolves to " << blas_provider();
#else
  GTEST_SKIP() << "built without ROBOMLX_INTERPOSE_OPENBLAS (or OpenBLAS not found)";
#endif
}

}  // namespace
}  // namespace robomlx
