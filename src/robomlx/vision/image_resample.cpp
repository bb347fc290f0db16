// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/image_resample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"

namespace robomlx::vision {

namespace {

double filter_value(double x, ResampleFilter f) {
  x = std::abs(x);
  if (f == ResampleFilter::bilinear) return x < 1.0 ? 1.0 - x : 0.0;
  constexpr double a = -0.5;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

}  // namespace

mx::array resample_weights(int in_size, int out_size, ResampleFilter f) {
  if (in_size < 1 || out_size < 1)
    throw std::invalid_argument("[vision.resample] sizes must be >= 1, got " + std::to_string(in_size) + " -> " + std::to_string(out_size));
  const double scale = double(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = (f == ResampleFilter::bicubic ? 2.0 : 1.0) * filterscale;
  std::vector<float> w(std::size_t(out_size) * in_size, 0.0f);
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    // Pillow's bounds: int() truncates, then clamps into the image.
    const int lo = std::max(int(center - support + 0.5), 0);
    const int hi = std::min(int(center + support + 0.5), in_size);
    std::vector<double> k;
    double sum = 0.0;
    for (int i = lo; i < hi; ++i) {
      k.push_back(filter_value((i - center + 0.5) / filterscale, f));
      sum += k.back();
    }
    for (int i = lo; i < hi; ++i) w[std::size_t(o) * in_size + i] = float(sum != 0.0 ? k[std::size_t(i - lo)] / sum : 0.0);
  }
  return mx::array(w.data(), {out_size, in_size}, mx::float32);
}

mx::array resample_image_u8(const mx::array& image, int out_h, int out_w, ResampleFilter f, mx::StreamOrDevice s) {
  if (image.ndim() != 3 || image.dtype() != mx::uint8)
    throw std::invalid_argument("[vision.resample] image must be uint8 [H, W, C]");
  const mx::Stream st = op_stream(s);
  const int h = image.shape(0), w = image.shape(1);
  auto round_u8 = [&](const mx::array& x) { return mx::clip(mx::floor(mx::add(x, mx::array(0.5f), st), st), mx::array(0.0f), mx::array(255.0f), st); };
  mx::array x = mx::transpose(mx::astype(image, mx::float32, st), {2, 0, 1}, st);  // [C, H, W]
  if (w != out_w) x = round_u8(mx::matmul(x, mx::transpose(resample_weights(w, out_w, f), st), st));
  if (h != out_h) x = round_u8(mx::matmul(resample_weights(h, out_h, f), x, st));
  return mx::astype(mx::transpose(x, {1, 2, 0}, st), mx::uint8, st);
}

}  // namespace robomlx::vision
