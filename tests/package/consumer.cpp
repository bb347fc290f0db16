// SPDX-License-Identifier: Apache-2.0
// A downstream project: find_package(robomlx) and link robomlx::robomlx.
#include <iostream>
#include <mlx/ops.h>
#include "robomlx/core/device.h"
#include "robomlx/core/ragged.h"
int main() {
  auto d = robomlx::use_device(robomlx::DeviceChoice::Auto);
  auto ids = robomlx::segment_ids(robomlx::lengths_to_offsets(mlx::core::array({2, 0, 3})));
  std::cout << robomlx::describe_device(d) << " " << ids << "\n";
}
