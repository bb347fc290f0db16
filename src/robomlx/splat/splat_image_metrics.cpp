// SPDX-License-Identifier: Apache-2.0
// The 11x11 window is separable (outer product of one 1-D Gaussian), so the five local moments
// are two 11-tap convolutions each instead of one 121-tap. Portable path: every channel map is one
// batch item of a single-channel conv2d, which MLX runs (and differentiates) as im2col + gemm on
// every backend; on a CPU stream that costs ~10x the rasterizer's share of a training step, hence
// the CPU twin (splat_image_metrics_cpu.cpp).
#include "robomlx/splat/splat_image_metrics.h"

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/splat/splat_image_metrics_twins.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.metrics";
using detail::kSsimC1;
using detail::kSsimC2;
using detail::kSsimWindow;

void check_pair(const mx::array& a, const mx::array& b) {
  check_ndim(kTag, "image", a, 3);
  if (a.shape() != b.shape())
    fail_argument(kTag, "images must have the same shape, got " + shape_string(a.shape()) + " and " +
                            shape_string(b.shape()));
  check_dtype(kTag, "image", a, {mx::float32});
  check_dtype(kTag, "image", b, {mx::float32});
}

// [K, H, W] -> the window-weighted local mean of every map, zero padded, [K, H, W].
mx::array blur(const mx::array& maps, mx::Stream s) {
  const auto taps = detail::ssim_taps();
  const int k = maps.shape(0), h = maps.shape(1), w = maps.shape(2);
  const mx::array wv(taps.data(), {1, kSsimWindow, 1, 1});
  const mx::array wh(taps.data(), {1, 1, kSsimWindow, 1});
  auto x = mx::reshape(maps, {k, h, w, 1}, s);
  x = mx::conv2d(x, wv, {1, 1}, {kSsimWindow / 2, 0}, {1, 1}, 1, s);
  x = mx::conv2d(x, wh, {1, 1}, {0, kSsimWindow / 2}, {1, 1}, 1, s);
  return mx::reshape(x, {k, h, w}, s);
}
}  // namespace

mx::array ssim_map(const mx::array& a, const mx::array& b, mx::StreamOrDevice so) {
  check_pair(a, b);
  const mx::Stream s = op_stream(so);
  if (choose_impl(kTag, s, ImplSet{.cpu = true}) == Impl::cpu) return detail::ssim_map_cpu(a, b, s);
  return detail::ssim_map_portable(a, b, s);
}

mx::array detail::ssim_map_portable(const mx::array& a, const mx::array& b, mx::Stream s) {
  const int c = a.shape(0);
  const auto moments = blur(mx::concatenate({a, b, mx::square(a, s), mx::square(b, s), mx::multiply(a, b, s)}, 0, s), s);
  auto part = [&](int i) { return mx::slice(moments, {i * c, 0, 0}, {(i + 1) * c, a.shape(1), a.shape(2)}, s); };
  const auto mu_a = part(0), mu_b = part(1);
  const auto mu_aa = mx::square(mu_a, s), mu_bb = mx::square(mu_b, s), mu_ab = mx::multiply(mu_a, mu_b, s);
  const auto var_a = mx::subtract(part(2), mu_aa, s), var_b = mx::subtract(part(3), mu_bb, s);
  const auto cov = mx::subtract(part(4), mu_ab, s);
  const mx::array c1(kSsimC1), c2(kSsimC2), two(2.0f);
  const auto num = mx::multiply(mx::add(mx::multiply(two, mu_ab, s), c1, s), mx::add(mx::multiply(two, cov, s), c2, s), s);
  const auto den = mx::multiply(mx::add(mx::add(mu_aa, mu_bb, s), c1, s), mx::add(mx::add(var_a, var_b, s), c2, s), s);
  return mx::divide(num, den, s);
}

mx::array ssim(const mx::array& a, const mx::array& b, mx::StreamOrDevice so) {
  const mx::Stream s = op_stream(so);
  return mx::mean(ssim_map(a, b, s), false, s);
}

mx::array psnr(const mx::array& a, const mx::array& b, mx::StreamOrDevice so) {
  check_pair(a, b);
  const mx::Stream s = op_stream(so);
  const auto mse = mx::mean(mx::square(mx::subtract(a, b, s), s), false, s);
  return mx::multiply(mx::array(-10.0f), mx::log10(mse, s), s);
}

}  // namespace robomlx::splat
