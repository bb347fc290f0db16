// SPDX-License-Identifier: Apache-2.0
// The CPU run of the suite traces compiled graphs without fusing them (test_main.cpp): this checks
// that MLX's fusion on the CPU (g++ at run time) gives what the unfused graph gives, on a chain of
// the kinds of ops the portable paths fuse (integer bit work, comparisons and selects, float
// arithmetic without a product feeding a sum, which a fused kernel may contract into an fma).
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/mlx.h>

#include "robomlx/core/bench.h"
#include "support.h"

namespace robomlx {
namespace {

namespace mx = mlx::core;

std::vector<mx::array> chain(const std::vector<mx::array>& in) {
  const auto& a = in[0];
  const auto& b = in[1];
  auto bits = mx::bitwise_or(mx::left_shift(mx::astype(mx::less(a, b), mx::uint32), mx::array(3u)),
                             mx::astype(mx::greater(mx::abs(a), mx::array(0.5f)), mx::uint32));
  auto x = mx::where(mx::equal(bits, mx::array(8u)), mx::divide(a, mx::add(mx::abs(b), mx::array(1.0f))),
                     mx::subtract(mx::maximum(a, b), mx::array(0.25f)));
  return {mx::sqrt(mx::abs(x)), mx::astype(bits, mx::int32)};
}

TEST(CompileOnCpu, FusedEqualsUnfused) {
  const auto s = mx::default_stream(mx::Device::cpu);
  auto a = mx::random::normal({257, 33}, mx::float32, mx::random::key(1), s);
  auto b = mx::random::normal({257, 33}, mx::float32, mx::random::key(2), s);
  mx::eval(a, b);
  std::vector<mx::array> unfused, fused;
  int unfused_kernels = 0, fused_kernels = 0;
  {
    test::CompileModeScope scope(mx::CompileMode::no_fuse);
    auto f = mx::compile(chain);
    unfused = f({a, b});
    unfused_kernels = graph_size(unfused).kernels;
    mx::eval(unfused);
  }
  {
    test::CompileModeScope scope(mx::CompileMode::enabled);
    auto f = mx::compile(chain);
    fused = f({a, b});
    fused_kernels = graph_size(fused).kernels;
    mx::eval(fused);
  }
  // The fused graph really is fused (it would not be without a compiler MLX can run).
  EXPECT_LT(fused_kernels, unfused_kernels);
  for (std::size_t i = 0; i < fused.size(); ++i)
    EXPECT_TRUE(mx::array_equal(fused[i], unfused[i]).item<bool>()) << "output " << i;
}

}  // namespace
}  // namespace robomlx
