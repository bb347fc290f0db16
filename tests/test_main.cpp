// SPDX-License-Identifier: Apache-2.0
// Test entry point: applies ROBOMLX_DEVICE (auto | cpu | gpu) before any test runs.
#include <iostream>

#include <gtest/gtest.h>

#include "robomlx/core/device.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto device = robomlx::use_device(robomlx::device_choice_from_env());
  if (std::getenv("ROBOMLX_TEST_VERBOSE")) std::cerr << "[robomlx tests] device " << robomlx::describe_device(device) << "\n";
  return RUN_ALL_TESTS();
}
