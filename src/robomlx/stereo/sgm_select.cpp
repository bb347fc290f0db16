// SPDX-License-Identifier: Apache-2.0
// Disparity selection from the aggregated cost S [H, W, D] (portable path):
//   k* = first argmin; S1 = S(k*); S2 = min of S(k) over |k - k*| > 1 (none: +inf);
//   uniqueness (u > 0): invalid when S2 * (100 - u) < S1 * 100 (OpenCV's rule);
//   sub-pixel: d = min_d + k* + (S(k*-1) - S(k*+1)) / (2 (S(k*-1) + S(k*+1) - 2 S1)) when
//     0 < k* < D - 1 and the denominator is > 0;
//   LR (lr >= 0): kR(xr) = first argmin_k S(y, xr + min_d + k, k) over columns inside the
//     image; invalid unless 0 <= xr = x - min_d - k* < W and |k* - kR(xr)| <= lr;
//   confidence = (S2 - S1) / S2 (1 if S2 is +inf, 0 if S2 = 0), and 0 where invalid.
// The volume is the large operand: it is read by the WTA argmin, copied once (with the three
// entries around k* set to +inf) for S2's min, and read through a sheared view by the LR argmin;
// everything else works on [H, W] values gathered from it.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/fused_internal.h"
#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

using robomlx::detail::run_fused;

namespace {
constexpr int kInf = 32767;  // "no such disparity"; S < 32767 (sgm_internal.h bounds)

// kR for right columns xr in [a, b): [H, b - a, 1] uint32. The right view's costs S(y, xr +
// min_d + k, k) are a view of S with strides (W D, D, D + 1), so the argmin reads S in place;
// where some of those columns fall outside the image, the view is over a slab of S's columns
// padded with +inf columns instead (a copy of b - a + D - 1 columns).
mx::array right_argmin(const mx::array& sum, int a, int b, int min_d, mx::Stream s) {
  const int h = sum.shape(0), w = sum.shape(1), nd = sum.shape(2);
  const int lo = a + min_d, hi = b + min_d + nd - 1;  // columns [lo, hi) are read
  mx::array src = sum;
  int first = lo, src_w = w;
  if (lo < 0 || hi > w) {
    const auto inf = mx::array(kInf, sum.dtype());
    std::vector<mx::array> parts;
    if (const int n = std::min(hi, 0) - lo; n > 0) parts.push_back(mx::full({h, n, nd}, inf, s));
    if (const int c0 = std::max(lo, 0), c1 = std::min(hi, w); c1 > c0)
      parts.push_back(mx::slice(sum, {0, c0, 0}, {h, c1, nd}, s));
    if (const int n = hi - std::max(lo, w); n > 0) parts.push_back(mx::full({h, n, nd}, inf, s));
    src = mx::concatenate(parts, 1, s);
    first = 0;
    src_w = hi - lo;
  }
  const std::int64_t row = std::int64_t(src_w) * nd;
  auto view = mx::as_strided(src, {h, b - a, nd}, {row, nd, nd + 1}, std::size_t(first) * nd, s);
  return mx::argmin(view, -1, true, s);
}

// {argmin of S (uint32), D} -> {k* int32 [H, W, 1], k* - 1, k*, k* + 1 clamped to [0, D) [H, W, 3]}:
// the parabola's samples, and the band S2 leaves out.
std::vector<mx::array> wta_index(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto kbest = mx::astype(in[0], mx::int32, s);
  auto k3 = mx::clip(mx::add(kbest, mx::array({-1, 0, 1}), s), mx::array(0), mx::subtract(in[1], mx::array(1), s), s);
  return {kbest, k3};
}

// The [H, W] rest, fused: {k*, S at k3 [H, W, 3], S2 [H, W, 1], kR [H, W, 1] (used with kLr),
// min_d, D, lr_max_diff, uniqueness (0: off, as S2 >= S1), subpixel} -> {disparity, confidence}
// [H, W, 1]. The one product that feeds a sum, 2 S1, is exact, so fusing changes no result.
template <bool kLr>
std::vector<mx::array> finish(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto &kbest = in[0], &s2 = in[2], &min_d = in[4], &nd = in[5], &lr = in[6], &u = in[7], &sub = in[8];
  const int h = kbest.shape(0), w = kbest.shape(1);
  auto v3 = mx::astype(in[1], mx::float32, s);
  auto part = [&](int i) { return mx::slice(v3, {0, 0, i}, {h, w, i + 1}, s); };
  auto sm = part(0), s1f = part(1), sp = part(2), s2f = mx::astype(s2, mx::float32, s);
  auto none = mx::equal(s2, mx::array(kInf), s);  // no S2: unique, confidence 1

  auto valid = mx::logical_or(mx::greater_equal(mx::multiply(s2f, mx::subtract(mx::array(100.f), u, s), s),
                                                mx::multiply(s1f, mx::array(100.f), s), s),
                              none, s);
  auto disp = mx::astype(mx::add(kbest, min_d, s), mx::float32, s);
  auto denom = mx::subtract(mx::add(sm, sp, s), mx::multiply(s1f, mx::array(2.f), s), s);
  auto inner = mx::logical_and(mx::greater(kbest, mx::array(0), s), mx::less(kbest, mx::subtract(nd, mx::array(1), s), s), s);
  auto use = mx::logical_and(mx::logical_and(inner, sub, s), mx::greater(denom, mx::array(0.f), s), s);
  auto offset = mx::divide(mx::subtract(sm, sp, s), mx::multiply(mx::array(2.f), mx::maximum(denom, mx::array(1.f), s), s), s);
  disp = mx::where(use, mx::add(disp, offset, s), disp, s);

  if constexpr (kLr) {
    auto kr = mx::astype(in[3], mx::int32, s);
    auto xr = mx::reshape(mx::arange(w, mx::int32, s), {1, w, 1}, s);
    auto xm = mx::subtract(mx::subtract(xr, min_d, s), kbest, s);  // matched right column
    auto in_img = mx::logical_and(mx::greater_equal(xm, mx::array(0), s), mx::less(xm, mx::array(w), s), s);
    auto kr_at = mx::take_along_axis(kr, mx::clip(xm, mx::array(0), mx::array(w - 1), s), 1, s);
    auto agree = mx::less_equal(mx::abs(mx::subtract(kr_at, kbest, s), s), lr, s);
    valid = mx::logical_and(valid, mx::logical_and(in_img, agree, s), s);
  }

  auto conf = mx::where(none, mx::array(1.f), mx::divide(mx::subtract(s2f, s1f, s), mx::maximum(s2f, mx::array(1.f), s), s), s);
  conf = mx::where(mx::equal(s2, mx::array(0), s), mx::array(0.f), conf, s);
  return {mx::where(valid, disp, mx::array(-1.f), s), mx::where(valid, conf, mx::array(0.f), s)};
}
}  // namespace

std::vector<mx::array> select_disparity(const mx::array& sum, const CoreParams& p, mx::Stream s) {
  const int h = sum.shape(0), w = sum.shape(1), nd = sum.shape(2);
  const auto inf = mx::array(kInf, sum.dtype());  // typed: an int32 scalar would widen the volume
  auto idx = run_fused<wta_index>({mx::argmin(sum, -1, true, s), mx::array(nd)}, s);
  auto v3 = mx::take_along_axis(sum, idx[1], -1, s);  // [H, W, 3]
  auto s2 = mx::min(mx::put_along_axis(sum, idx[1], inf, -1, s), -1, true, s);

  // Slot 3, kR, holds a placeholder unless the LR check runs.
  std::vector<mx::array> in{idx[0], v3, s2, idx[0], mx::array(p.min_d), mx::array(nd), mx::array(p.lr_max_diff),
                            mx::array(std::max(p.uniqueness, 0.f)), mx::array(p.subpixel)};
  if (p.lr_max_diff >= 0) {
    // Right columns whose D costs all lie inside the image: [x0, x1); the rest, at the borders.
    const int x0 = std::clamp(-p.min_d, 0, w), x1 = std::clamp(w - p.min_d - nd + 1, x0, w);
    std::vector<mx::array> krs;
    for (auto [a, b] : {std::pair{0, x0}, std::pair{x0, x1}, std::pair{x1, w}})
      if (b > a) krs.push_back(right_argmin(sum, a, b, p.min_d, s));
    in[3] = krs.size() == 1 ? krs[0] : mx::concatenate(krs, 1, s);  // [H, W, 1]
  }
  auto out = (p.lr_max_diff >= 0 ? run_fused<finish<true>> : run_fused<finish<false>>)(in, s);
  return {mx::reshape(out[0], {h, w}, s), mx::reshape(out[1], {h, w}, s)};
}

}  // namespace robomlx::stereo::detail
