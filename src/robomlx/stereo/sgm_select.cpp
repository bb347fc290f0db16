// SPDX-License-Identifier: Apache-2.0
// Disparity selection from the aggregated cost S [H, W, D] (portable path):
//   k* = first argmin; S1 = S(k*); S2 = min of S(k) over |k - k*| > 1 (none: +inf);
//   uniqueness (u > 0): invalid when S2 * (100 - u) < S1 * 100 (OpenCV's rule);
//   sub-pixel: d = min_d + k* + (S(k*-1) - S(k*+1)) / (2 (S(k*-1) + S(k*+1) - 2 S1)) when
//     0 < k* < D - 1 and the denominator is > 0;
//   LR (lr >= 0): kR(xr) = first argmin_k S(y, xr + min_d + k, k) over columns inside the
//     image; invalid unless 0 <= xr = x - min_d - k* < W and |k* - kR(xr)| <= lr;
//   confidence = (S2 - S1) / S2 (1 if S2 is +inf, 0 if S2 = 0), and 0 where invalid.
#include <mlx/ops.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
constexpr int kInf = 32767;  // "no such disparity"; S < 32767 (sgm_internal.h bounds)
}

std::vector<mx::array> select_disparity(const mx::array& sum, const CoreParams& p, mx::Stream s) {
  const int h = sum.shape(0), w = sum.shape(1), nd = sum.shape(2);
  auto ks = mx::arange(nd, mx::int32, s);
  auto kbest = mx::astype(mx::argmin(sum, -1, true, s), mx::int32, s);  // [H, W, 1]
  auto s1 = mx::take_along_axis(sum, kbest, -1, s);
  auto near = mx::less_equal(mx::abs(mx::subtract(ks, kbest, s), s), mx::array(1), s);
  const auto inf = mx::array(kInf, sum.dtype());  // typed: an int32 scalar would widen the volume
  auto s2 = mx::min(mx::where(near, inf, sum, s), -1, true, s);
  auto s1f = mx::astype(s1, mx::float32, s), s2f = mx::astype(s2, mx::float32, s);

  auto valid = mx::full({h, w, 1}, mx::array(true), s);
  if (p.uniqueness > 0) {
    auto ok = mx::greater_equal(mx::multiply(s2f, mx::array(100.f - p.uniqueness), s),
                                mx::multiply(s1f, mx::array(100.f), s), s);
    valid = mx::logical_or(ok, mx::equal(s2, mx::array(kInf), s), s);
  }

  auto disp = mx::astype(mx::add(kbest, mx::array(p.min_d), s), mx::float32, s);
  if (p.subpixel && nd >= 3) {
    auto km = mx::maximum(mx::subtract(kbest, mx::array(1), s), mx::array(0), s);
    auto kp = mx::minimum(mx::add(kbest, mx::array(1), s), mx::array(nd - 1), s);
    auto sm = mx::astype(mx::take_along_axis(sum, km, -1, s), mx::float32, s);
    auto sp = mx::astype(mx::take_along_axis(sum, kp, -1, s), mx::float32, s);
    auto denom = mx::subtract(mx::add(sm, sp, s), mx::multiply(s1f, mx::array(2.f), s), s);
    auto inner = mx::logical_and(mx::greater(kbest, mx::array(0), s), mx::less(kbest, mx::array(nd - 1), s), s);
    auto use = mx::logical_and(inner, mx::greater(denom, mx::array(0.f), s), s);
    auto offset = mx::divide(mx::subtract(sm, sp, s), mx::multiply(mx::array(2.f), mx::maximum(denom, mx::array(1.f), s), s), s);
    disp = mx::where(use, mx::add(disp, offset, s), disp, s);
  }

  if (p.lr_max_diff >= 0) {
    // Right view: kR(xr) over S(y, xr + min_d + k, k).
    auto xr = mx::reshape(mx::arange(w, mx::int32, s), {1, w, 1}, s);
    auto xl = mx::add(mx::add(xr, mx::array(p.min_d), s), mx::reshape(ks, {1, 1, nd}, s), s);  // [1, W, D]
    auto inside = mx::logical_and(mx::greater_equal(xl, mx::array(0), s), mx::less(xl, mx::array(w), s), s);
    auto xl_c = mx::broadcast_to(mx::clip(xl, mx::array(0), mx::array(w - 1), s), {h, w, nd}, s);
    auto gathered = mx::take_along_axis(sum, xl_c, 1, s);  // gathered[y, xr, k] = S(y, xl_c[xr, k], k)
    auto sr = mx::where(inside, gathered, inf, s);
    auto kr = mx::astype(mx::argmin(sr, -1, true, s), mx::int32, s);  // [H, W, 1]
    auto xm = mx::subtract(mx::subtract(xr, mx::array(p.min_d), s), kbest, s);  // matched right column
    auto in_img = mx::logical_and(mx::greater_equal(xm, mx::array(0), s), mx::less(xm, mx::array(w), s), s);
    auto kr_at = mx::take_along_axis(kr, mx::clip(xm, mx::array(0), mx::array(w - 1), s), 1, s);
    auto agree = mx::less_equal(mx::abs(mx::subtract(kr_at, kbest, s), s), mx::array(p.lr_max_diff), s);
    valid = mx::logical_and(valid, mx::logical_and(in_img, agree, s), s);
  }

  auto conf = mx::where(mx::equal(s2, mx::array(kInf), s), mx::array(1.f),
                        mx::divide(mx::subtract(s2f, s1f, s), mx::maximum(s2f, mx::array(1.f), s), s), s);
  conf = mx::where(mx::equal(s2, mx::array(0), s), mx::array(0.f), conf, s);
  disp = mx::where(valid, disp, mx::array(-1.f), s);
  conf = mx::where(valid, conf, mx::array(0.f), s);
  return {mx::reshape(disp, {h, w}, s), mx::reshape(conf, {h, w}, s)};
}

}  // namespace robomlx::stereo::detail
