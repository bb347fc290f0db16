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

std::vector<mx::array> select_disparity(const mx::array& s, const CoreParams& p) {
  const int h = s.shape(0), w = s.shape(1), nd = s.shape(2);
  auto ks = mx::arange(nd, mx::int32);
  auto kbest = mx::astype(mx::argmin(s, -1, true), mx::int32);  // [H, W, 1]
  auto s1 = mx::take_along_axis(s, kbest, -1);
  auto near = mx::less_equal(mx::abs(mx::subtract(ks, kbest)), mx::array(1));
  const auto inf = mx::array(kInf, s.dtype());  // typed: an int32 scalar would widen the volume
  auto s2 = mx::min(mx::where(near, inf, s), -1, true);
  auto s1f = mx::astype(s1, mx::float32), s2f = mx::astype(s2, mx::float32);

  auto valid = mx::full({h, w, 1}, true);
  if (p.uniqueness > 0) {
    auto ok = mx::greater_equal(mx::multiply(s2f, mx::array(100.f - p.uniqueness)), mx::multiply(s1f, mx::array(100.f)));
    valid = mx::logical_or(ok, mx::equal(s2, mx::array(kInf)));
  }

  auto disp = mx::astype(mx::add(kbest, mx::array(p.min_d)), mx::float32);
  if (p.subpixel && nd >= 3) {
    auto km = mx::maximum(mx::subtract(kbest, mx::array(1)), mx::array(0));
    auto kp = mx::minimum(mx::add(kbest, mx::array(1)), mx::array(nd - 1));
    auto sm = mx::astype(mx::take_along_axis(s, km, -1), mx::float32);
    auto sp = mx::astype(mx::take_along_axis(s, kp, -1), mx::float32);
    auto denom = mx::subtract(mx::add(sm, sp), mx::multiply(s1f, mx::array(2.f)));
    auto inner = mx::logical_and(mx::greater(kbest, mx::array(0)), mx::less(kbest, mx::array(nd - 1)));
    auto use = mx::logical_and(inner, mx::greater(denom, mx::array(0.f)));
    auto offset = mx::divide(mx::subtract(sm, sp), mx::multiply(mx::array(2.f), mx::maximum(denom, mx::array(1.f))));
    disp = mx::where(use, mx::add(disp, offset), disp);
  }

  if (p.lr_max_diff >= 0) {
    // Right view: kR(xr) over S(y, xr + min_d + k, k).
    auto xr = mx::reshape(mx::arange(w, mx::int32), {1, w, 1});
    auto xl = mx::add(mx::add(xr, mx::array(p.min_d)), mx::reshape(ks, {1, 1, nd}));  // [1, W, D]
    auto inside = mx::logical_and(mx::greater_equal(xl, mx::array(0)), mx::less(xl, mx::array(w)));
    auto xl_c = mx::broadcast_to(mx::clip(xl, mx::array(0), mx::array(w - 1)), {h, w, nd});
    auto gathered = mx::take_along_axis(s, xl_c, 1);  // gathered[y, xr, k] = S(y, xl_c[xr, k], k)
    auto sr = mx::where(inside, gathered, inf);
    auto kr = mx::astype(mx::argmin(sr, -1, true), mx::int32);  // [H, W, 1]
    auto xm = mx::subtract(mx::subtract(xr, mx::array(p.min_d)), kbest);  // matched right column
    auto in_img = mx::logical_and(mx::greater_equal(xm, mx::array(0)), mx::less(xm, mx::array(w)));
    auto kr_at = mx::take_along_axis(kr, mx::clip(xm, mx::array(0), mx::array(w - 1)), 1);
    auto agree = mx::less_equal(mx::abs(mx::subtract(kr_at, kbest)), mx::array(p.lr_max_diff));
    valid = mx::logical_and(valid, mx::logical_and(in_img, agree));
  }

  auto conf = mx::where(mx::equal(s2, mx::array(kInf)), mx::array(1.f),
                        mx::divide(mx::subtract(s2f, s1f), mx::maximum(s2f, mx::array(1.f))));
  conf = mx::where(mx::equal(s2, mx::array(0)), mx::array(0.f), conf);
  disp = mx::where(valid, disp, mx::array(-1.f));
  conf = mx::where(valid, conf, mx::array(0.f));
  return {mx::reshape(disp, {h, w}), mx::reshape(conf, {h, w})};
}

}  // namespace robomlx::stereo::detail
