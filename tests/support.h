// SPDX-License-Identifier: Apache-2.0
// Shared test fixtures: where the data lives and which device the suite runs on.
#pragma once

#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <mlx/device.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/testing.h"

namespace robomlx::test {

/// ../shared beside the checkout (ROBOMLX_SHARED_DIR overrides).
std::string shared_dir();
/// The repository root.
std::string source_dir();
/// A fresh empty temporary folder for this test.
std::string temp_dir();
/// The device the suite runs on (ROBOMLX_DEVICE; auto by default).
mlx::core::Device test_device();

/// A test parameterised by implementation: forces GetParam() for the test's duration and skips,
/// with the reason, when that twin cannot run on the default device.
class ImplTest : public ::testing::TestWithParam<Impl> {
 protected:
  void SetUp() override {
    if (GetParam() == Impl::cuda && !is_cuda_device(mlx::core::default_device())) {
      GTEST_SKIP() << "the CUDA twin needs a CUDA GPU as the default device";
    }
    if (GetParam() == Impl::cpu && mlx::core::default_device() != mlx::core::Device::cpu) {
      GTEST_SKIP() << "the CPU twin runs on CPU streams only";
    }
    scoped_.emplace(GetParam());
  }
  std::optional<ScopedImpl> scoped_;
};

}  // namespace robomlx::test

/// EXPECT that a CompareResult is ok, printing its explanation otherwise.
#define EXPECT_CLOSE(result)                      \
  do {                                            \
    auto robomlx_r_ = (result);                   \
    EXPECT_TRUE(robomlx_r_.ok) << robomlx_r_.message; \
  } while (0)

/// EXPECT that `stmt` throws `type` whose message contains `substring`.
#define EXPECT_THROW_MSG(stmt, type, substring)                                               \
  do {                                                                                        \
    try {                                                                                     \
      stmt;                                                                                   \
      ADD_FAILURE() << "expected " #type " from " #stmt;                                      \
    } catch (const type& e) {                                                                 \
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos) << e.what();        \
    }                                                                                         \
  } while (0)
