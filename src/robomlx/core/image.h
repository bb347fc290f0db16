// SPDX-License-Identifier: Apache-2.0
// Host image container for I/O: uint8, uint16 or float32 samples, HWC layout, row major,
// tightly packed, native byte order. Compute happens on mx::array; Image is what files are
// read into and written from.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <mlx/array.h>

namespace robomlx {

namespace mx = mlx::core;

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;
  mx::Dtype dtype = mx::uint8;  // uint8, uint16 or float32
  std::vector<std::uint8_t> bytes;

  /// A zero-filled image; throws std::invalid_argument for other dtypes or negative sizes.
  static Image zeros(int height, int width, int channels, mx::Dtype dtype);

  /// Copies an evaluated [H, W] or [H, W, C] array of uint8/uint16/float32 (evaluates it).
  static Image from_array(const mx::array& a);

  /// [H, W, C] array with the image's dtype (a copy; lives on the default device).
  mx::array to_array() const;
  /// [H, W] array; requires channels == 1.
  mx::array to_array_2d() const;

  std::size_t sample_size() const { return mx::size_of(dtype); }
  std::size_t num_samples() const { return std::size_t(height) * width * channels; }
  bool empty() const { return num_samples() == 0; }

  template <typename T>
  T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }
  /// Sample (y, x, c); no bounds check.
  template <typename T>
  T at(int y, int x, int c = 0) const { return data<T>()[(std::size_t(y) * width + x) * channels + c]; }
};

}  // namespace robomlx
