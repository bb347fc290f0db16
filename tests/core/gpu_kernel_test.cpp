// SPDX-License-Identifier: Apache-2.0
// GpuKernel's Metal fallback (core/gpu_kernel_internal.h) with injected failures: there is no
// Metal here (MLX on Linux has no Metal backend), so the first-use check and the op-level fallback
// are driven directly, as GpuKernel and the ops drive them.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"

namespace robomlx {
namespace {

constexpr const char* kLog =
    "[robomlx.metal] robomlx_test_kernel failed to compile, using the portable path: Unable to build metal library "
    "from source; please report with `robomlx info` output";

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class MetalFallback : public ::testing::Test {
 protected:
  void SetUp() override { detail::reset_metal_registry(); }
  void TearDown() override { detail::reset_metal_registry(); }
};

TEST_F(MetalFallback, FailedFirstUseBecomesMetalKernelError) {
  int checks = 0;
  auto failing = [&] {
    ++checks;
    throw std::runtime_error("Unable to build metal library from source");
  };
  try {
    detail::metal_first_use("robomlx_test_kernel_float", "robomlx_test_kernel", failing);
    FAIL() << "no MetalKernelError";
  } catch (const MetalKernelError& e) {
    EXPECT_EQ(e.kernel(), "robomlx_test_kernel");
    EXPECT_STREQ(e.what(), "Unable to build metal library from source");
  }
  // A failed instance is not verified: its next launch is checked again.
  EXPECT_THROW(detail::metal_first_use("robomlx_test_kernel_float", "robomlx_test_kernel", failing), MetalKernelError);
  EXPECT_EQ(checks, 2);
}

TEST_F(MetalFallback, VerifiedInstanceIsCheckedOnce) {
  int checks = 0;
  detail::metal_first_use("robomlx_test_kernel_float", "robomlx_test_kernel", [&] { ++checks; });
  detail::metal_first_use("robomlx_test_kernel_float", "robomlx_test_kernel", [&] { ++checks; });
  // Another instance (other template values, dtypes or address spaces) is checked on its own.
  detail::metal_first_use("robomlx_test_kernel_uint16_t", "robomlx_test_kernel", [&] { ++checks; });
  EXPECT_EQ(checks, 2);
}

TEST_F(MetalFallback, FailedTwinLogsOnceAndTheOpTurnsPortable) {
  auto twin = []() -> int {
    throw MetalKernelError("robomlx_test_kernel", "Unable to build metal library from source");
  };
  ASSERT_TRUE(metal_twin_usable("test.op"));
  testing::internal::CaptureStderr();
  EXPECT_FALSE(try_metal_twin("test.op", twin).has_value());
  EXPECT_FALSE(try_metal_twin("test.op", twin).has_value());
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, kLog), 1) << log;
  EXPECT_EQ(count(log, "[robomlx.metal]"), 1) << log;
  EXPECT_FALSE(metal_twin_usable("test.op"));
  EXPECT_TRUE(metal_twin_usable("test.other_op"));
}

// A test that forces the Metal twin must see its failure (the portable result would pass it).
TEST_F(MetalFallback, StrictForcingRethrows) {
  auto twin = []() -> int { throw MetalKernelError("robomlx_test_kernel", "Unable to build metal library from source"); };
  testing::internal::CaptureStderr();
  {
    ScopedImpl force(Impl::metal, "test.op");
    EXPECT_THROW(try_metal_twin("test.op", twin), MetalKernelError);
  }
  {
    ScopedImpl force(Impl::metal, "test.elsewhere");  // forcing another op: lenient here
    EXPECT_FALSE(try_metal_twin("test.op", twin).has_value());
  }
  testing::internal::GetCapturedStderr();
  EXPECT_FALSE(metal_twin_usable("test.op"));
}

TEST_F(MetalFallback, OtherErrorsPropagateAndSuccessPassesThrough) {
  EXPECT_THROW(try_metal_twin("test.op", []() -> int { throw std::invalid_argument("bad input"); }),
               std::invalid_argument);
  EXPECT_TRUE(metal_twin_usable("test.op"));
  EXPECT_EQ(try_metal_twin("test.op", [] { return 7; }), std::optional<int>(7));
}

// The whole path as an op runs it: a twin whose kernel fails its first-use check.
TEST_F(MetalFallback, TwinWithFailingKernelFallsBack) {
  auto twin = [] {
    detail::metal_first_use("k_float", "robomlx_test_kernel",
                            [] { throw std::runtime_error("Unable to build metal library from source"); });
    return 1;
  };
  testing::internal::CaptureStderr();
  const auto r = try_metal_twin("test.op", twin);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(count(log, kLog), 1) << log;
  EXPECT_FALSE(metal_twin_usable("test.op"));
}

TEST(GpuKernel, NeedsAGpuStreamAndInputsWithDimensions) {
  const GpuKernel kernel("robomlx_test_kernel", {"x"}, {"out"}, KernelText{"", ""});
  const auto x = mx::zeros({4}, mx::float32);
  EXPECT_THROW(kernel({x}, {{4}}, {mx::float32}, {4, 1, 1}, {4, 1, 1}, {}, std::nullopt, mx::default_stream(mx::Device::cpu)),
               std::runtime_error);
  EXPECT_THROW(kernel({mx::array(1.0f)}, {{1}}, {mx::float32}, {1, 1, 1}, {1, 1, 1}, {}, std::nullopt,
                      mx::default_stream(mx::Device::cpu)),
               std::invalid_argument);
}

}  // namespace
}  // namespace robomlx
