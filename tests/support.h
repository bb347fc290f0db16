// SPDX-License-Identifier: Apache-2.0
// Shared test fixtures: where the data lives and which device the suite runs on.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <mlx/device.h>

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
