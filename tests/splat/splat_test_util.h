// SPDX-License-Identifier: Apache-2.0
// Helpers for the splat tests: host copies of arrays and small capture folders built at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/image.h"
#include "robomlx/core/io/png.h"

namespace robomlx::test {

namespace mx = mlx::core;

template <typename T>
std::vector<T> host(const mx::array& a) {
  auto c = mx::contiguous(a, false, mx::Device::cpu);
  mx::eval(c);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

/// A width x height RGB PNG (a gradient) at `path`.
inline void write_rgb_png(const std::string& path, int width, int height) {
  Image img = Image::zeros(height, width, 3, mx::uint8);
  for (std::size_t i = 0; i < img.bytes.size(); ++i) img.bytes[i] = std::uint8_t(i * 7);
  write_png(path, img);
}

}  // namespace robomlx::test
