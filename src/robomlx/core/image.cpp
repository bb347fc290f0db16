// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/image.h"

#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"

namespace robomlx {

namespace {
void check_image_dtype(mx::Dtype dtype) {
  if (dtype != mx::uint8 && dtype != mx::uint16 && dtype != mx::float32) {
    fail_argument("core.image", "dtype must be uint8, uint16 or float32, got " + dtype_name(dtype));
  }
}
}  // namespace

Image Image::zeros(int height, int width, int channels, mx::Dtype dtype) {
  check_image_dtype(dtype);
  if (height < 0 || width < 0 || channels <= 0) {
    fail_argument("core.image", "size must be non-negative with channels >= 1, got " + std::to_string(height) +
                                    "x" + std::to_string(width) + "x" + std::to_string(channels));
  }
  Image im;
  im.height = height;
  im.width = width;
  im.channels = channels;
  im.dtype = dtype;
  im.bytes.assign(im.num_samples() * im.sample_size(), 0);
  return im;
}

Image Image::from_array(const mx::array& a) {
  if (a.ndim() != 2 && a.ndim() != 3) {
    fail_argument("core.image", "array must be [H, W] or [H, W, C], got shape " + shape_string(a.shape()));
  }
  check_image_dtype(a.dtype());
  Image im = zeros(a.shape(0), a.shape(1), a.ndim() == 3 ? a.shape(2) : 1, a.dtype());
  // Row-contiguous copy on the CPU so data() is plain host memory with the expected layout.
  auto host = mx::contiguous(a, /*allow_col_major=*/false, mx::Device::cpu);
  mx::eval(host);
  if (!im.bytes.empty()) std::memcpy(im.bytes.data(), host.data<std::uint8_t>(), im.bytes.size());
  return im;
}

mx::array Image::to_array() const {
  mx::Shape shape{height, width, channels};
  switch (dtype) {
    case mx::uint16: return mx::array(data<std::uint16_t>(), shape, mx::uint16);
    case mx::float32: return mx::array(data<float>(), shape, mx::float32);
    default: return mx::array(data<std::uint8_t>(), shape, mx::uint8);
  }
}

mx::array Image::to_array_2d() const {
  if (channels != 1) fail_argument("core.image", "to_array_2d needs 1 channel, got " + std::to_string(channels));
  return mx::reshape(to_array(), {height, width});
}

}  // namespace robomlx
