// SPDX-License-Identifier: Apache-2.0
// The antialiased resampler against a plain double-precision loop written from the definition
// (Pillow's: support scaled by in/out when shrinking, weights normalised per output sample,
// horizontal pass then vertical, each rounded half up to uint8), on random images, up and down.
#include <cmath>
#include <random>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/vision/image_resample.h"

namespace robomlx::vision {
namespace {

double kernel(double x, bool cubic) {
  x = std::abs(x);
  if (!cubic) return std::max(0.0, 1.0 - x);
  if (x < 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
  if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
  return 0;
}

// One pass along a line of `n` samples to `m` samples.
std::vector<double> pass(const std::vector<double>& in, int m, bool cubic) {
  const int n = int(in.size());
  const double scale = double(n) / m, fs = std::max(1.0, scale), support = (cubic ? 2.0 : 1.0) * fs;
  std::vector<double> out(std::size_t(m), 0.0);
  for (int o = 0; o < m; ++o) {
    const double c = (o + 0.5) * scale;
    double sum = 0, acc = 0;
    for (int i = 0; i < n; ++i) {
      if (i < int(c - support + 0.5) || i >= int(c + support + 0.5)) continue;
      const double w = kernel((i + 0.5 - c) / fs, cubic);
      sum += w, acc += w * in[std::size_t(i)];
    }
    out[std::size_t(o)] = std::clamp(std::floor(acc / sum + 0.5), 0.0, 255.0);
  }
  return out;
}

void compare(int h, int w, int oh, int ow, bool cubic) {
  std::mt19937 rng(h * 1000 + w);
  std::vector<std::uint8_t> img(std::size_t(h) * w);
  for (auto& v : img) v = std::uint8_t(rng() % 256);
  std::vector<std::vector<double>> rows(static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y) {
    std::vector<double> line(img.begin() + y * w, img.begin() + (y + 1) * w);
    rows[std::size_t(y)] = ow == w ? line : pass(line, ow, cubic);
  }
  const mx::array got = resample_image_u8(mx::array(img.data(), {h, w, 1}, mx::uint8), oh, ow,
                                          cubic ? ResampleFilter::bicubic : ResampleFilter::bilinear, mx::Device::cpu);
  mx::array g = mx::astype(got, mx::int32);
  mx::eval(g);
  int off = 0, worst = 0;
  for (int x = 0; x < ow; ++x) {
    std::vector<double> col(static_cast<std::size_t>(h));
    for (int y = 0; y < h; ++y) col[std::size_t(y)] = rows[std::size_t(y)][std::size_t(x)];
    const auto ref = oh == h ? col : pass(col, oh, cubic);
    for (int y = 0; y < oh; ++y) {
      const int d = std::abs(g.data<std::int32_t>()[y * ow + x] - int(ref[std::size_t(y)]));
      off += d != 0, worst = std::max(worst, d);
    }
  }
  // float32 sums may round a sample lying within ~1e-5 of .5 the other way: one level, rarely.
  EXPECT_LE(worst, 1) << h << "x" << w << " -> " << oh << "x" << ow;
  EXPECT_LE(off, oh * ow / 1000 + 1) << h << "x" << w << " -> " << oh << "x" << ow;
}

TEST(ImageResample, BicubicMatchesPlainLoop) {
  compare(37, 53, 224, 319, true);   // up
  compare(300, 211, 224, 157, true);  // down (antialiased)
  compare(64, 64, 64, 17, true);      // one axis only
}

TEST(ImageResample, BilinearMatchesPlainLoop) {
  compare(172, 448, 393, 1024, false);
  compare(762, 500, 361, 237, false);
}

TEST(ImageResample, WeightsSumToOneAndBadSizesThrow) {
  const mx::array w = resample_weights(655, 326, ResampleFilter::bicubic);
  const mx::array sums = mx::sum(w, 1);
  EXPECT_LT(mx::max(mx::abs(mx::subtract(sums, mx::array(1.0f)))).item<float>(), 1e-5f);
  EXPECT_THROW(resample_weights(0, 3, ResampleFilter::bicubic), std::invalid_argument);
}

}  // namespace
}  // namespace robomlx::vision
