// SPDX-License-Identifier: Apache-2.0
// Which fp32 GEMMs of the sim policies MLX's CUDA backend refuses (scripts/gpu-probes/gemm-probe): the
// cart-double-pendulum policy (7 observations, 2 actions) failed on an H100 with cublasLtMatmul
// status 15 (CUBLAS_STATUS_NOT_SUPPORTED) where cartpole (4, 1) and quadcopter (12, 4) ran; each
// addmm / matmul of the policy's widths is evaluated alone, and on sliced (offset) inputs.
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <mlx/mlx.h>
namespace mx = mlx::core;
void t(const std::string& name, std::function<mx::array()> f) {
  try { auto r = f(); mx::eval(r); std::printf("ok   %s\n", name.c_str()); }
  catch (const std::exception& e) { std::printf("FAIL %s: %.80s\n", name.c_str(), e.what()); }
  std::fflush(stdout);
}
int main() {
  auto k = mx::random::key(1);
  for (int K : {4, 7, 8, 12}) for (int N : {1, 2, 4, 32}) {
    auto x = mx::random::normal({4096, K}, mx::float32, k), w = mx::random::normal({K, N}, mx::float32, k), b = mx::random::normal({N}, mx::float32, k);
    mx::eval(x, w, b);
    char n[64];
    std::snprintf(n, sizeof n, "K=%d N=%d", K, N);
    t(std::string("addmm  ") + n, [&] { return mx::addmm(b, x, w); });
    t(std::string("matmul ") + n, [&] { return mx::matmul(x, w); });
  }
  // the policy's first layer on a normalised view of a wider array (a slice)
  auto big = mx::random::normal({4096, 9}, mx::float32, k);
  auto w7 = mx::random::normal({7, 32}, mx::float32, k), b32 = mx::random::normal({32}, mx::float32, k);
  mx::eval(big, w7, b32);
  t("addmm K=7 N=32 on a column slice", [&] { return mx::addmm(b32, mx::slice(big, {0, 1}, {4096, 8}), w7); });
  t("addmm K=7 N=32 on a row slice", [&] { return mx::addmm(b32, mx::slice(big, {1, 1}, {4096, 8}), w7); });
  return 0;
}
