// SPDX-License-Identifier: Apache-2.0
// Portable census transform and matching cost volume (see sgm_internal.h for the definitions).
#include <cstdint>

#include <mlx/ops.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
mx::array u64(std::uint64_t v) { return mx::array(v, mx::uint64); }

// a(y, x - d), zero where x - d falls outside [0, W).
mx::array shift_columns(const mx::array& a, int d, mx::Stream s) {
  const int h = a.shape(0), w = a.shape(1);
  if (d == 0) return a;
  auto padded = mx::pad(a, std::vector<std::pair<int, int>>{{0, 0}, {d > 0 ? d : 0, d < 0 ? -d : 0}}, mx::array(0), "constant", s);
  const int start = d > 0 ? 0 : -d;
  return mx::slice(padded, {0, start}, {h, start + w}, s);
}
}  // namespace

int cost_max(const CoreParams& p) {
  const int bits = p.census_w * p.census_h - 1;
  return bits + (p.cost == CostKind::ad_census ? (kAdTrunc >> kAdShift) : 0);
}

mx::array census_transform(const mx::array& image, int width, int height, mx::Stream s) {
  const int h = image.shape(0), w = image.shape(1);
  const int rx = width / 2, ry = height / 2;
  auto padded = mx::pad(image, std::vector<std::pair<int, int>>{{ry, ry}, {rx, rx}}, mx::array(0.f), "edge", s);
  auto bits = mx::zeros({h, w}, mx::uint64, s);
  std::uint64_t b = 0;
  for (int dy = -ry; dy <= ry; ++dy) {
    for (int dx = -rx; dx <= rx; ++dx) {
      if (dy == 0 && dx == 0) continue;
      auto nb = mx::slice(padded, {ry + dy, rx + dx}, {ry + dy + h, rx + dx + w}, s);
      auto bit = mx::astype(mx::less(nb, image, s), mx::uint64, s);
      bits = mx::bitwise_or(bits, mx::left_shift(bit, u64(b), s), s);
      ++b;
    }
  }
  return bits;
}

mx::array popcount64(const mx::array& bits, mx::Stream s) {
  // SWAR popcount: MLX has no popcount op.
  auto x = mx::subtract(bits, mx::bitwise_and(mx::right_shift(bits, u64(1), s), u64(0x5555555555555555ull), s), s);
  x = mx::add(mx::bitwise_and(x, u64(0x3333333333333333ull), s),
              mx::bitwise_and(mx::right_shift(x, u64(2), s), u64(0x3333333333333333ull), s), s);
  x = mx::bitwise_and(mx::add(x, mx::right_shift(x, u64(4), s), s), u64(0x0f0f0f0f0f0f0f0full), s);
  x = mx::right_shift(mx::multiply(x, u64(0x0101010101010101ull), s), u64(56), s);
  return mx::astype(x, mx::uint8, s);
}

mx::array cost_volume(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s) {
  const int h = left.shape(0), w = left.shape(1);
  auto cl = census_transform(left, p.census_w, p.census_h, s);
  auto cr = census_transform(right, p.census_w, p.census_h, s);
  auto xs = mx::arange(w, mx::int32, s);
  const auto outside = mx::array(cost_max(p), mx::int16);
  std::vector<mx::array> slices;
  slices.reserve(p.num_d);
  for (int k = 0; k < p.num_d; ++k) {
    const int d = p.min_d + k;
    if (d >= w || d <= -w) {
      slices.push_back(mx::full({h, w}, outside, s));
      continue;
    }
    auto c = mx::astype(popcount64(mx::bitwise_xor(cl, shift_columns(cr, d, s), s), s), mx::int16, s);
    if (p.cost == CostKind::ad_census) {
      auto ad = mx::minimum(mx::abs(mx::subtract(left, shift_columns(right, d, s), s), s), mx::array(float(kAdTrunc)), s);
      c = mx::add(c, mx::right_shift(mx::astype(ad, mx::int16, s), mx::array(kAdShift, mx::int16), s), s);
    }
    auto valid = mx::logical_and(mx::greater_equal(xs, mx::array(d), s), mx::less(xs, mx::array(w + d), s), s);
    slices.push_back(mx::where(valid, c, outside, s));
  }
  return mx::stack(slices, 2, s);
}

}  // namespace robomlx::stereo::detail
