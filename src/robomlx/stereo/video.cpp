// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/video.h"

#include <cstring>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"

namespace robomlx::stereo {

namespace {

// [H, 2W] or [H, W, 2] YUYV -> [H, W/2, 4] (Y0 U Y1 V) as float32.
mx::array yuyv_quads(const mx::array& yuyv, const char* tag, mx::StreamOrDevice s) {
  check_dtype(tag, "yuyv", yuyv, {mx::uint8});
  int h = 0, w = 0;
  if (yuyv.ndim() == 2 && yuyv.shape(1) % 4 == 0) {
    h = yuyv.shape(0);
    w = yuyv.shape(1) / 2;
  } else if (yuyv.ndim() == 3 && yuyv.shape(2) == 2 && yuyv.shape(1) % 2 == 0) {
    h = yuyv.shape(0);
    w = yuyv.shape(1);
  } else {
    fail_argument(tag, "yuyv must be [H, 2W] or [H, W, 2] with W even, got " + shape_string(yuyv.shape()));
  }
  return mx::reshape(mx::astype(yuyv, mx::float32, s), {h, w / 2, 4}, s);
}

mx::array to_u8(const mx::array& v, mx::StreamOrDevice s) {
  return mx::astype(mx::clip(mx::round(v, 0, s), mx::array(0.0f), mx::array(255.0f), s), mx::uint8, s);
}

// c * a on s (written out so that every op of the conversions runs on the given stream).
mx::array times(float c, const mx::array& a, mx::StreamOrDevice s) { return mx::multiply(mx::array(c), a, s); }

}  // namespace

mx::array yuyv_to_rgb(const mx::array& yuyv, mx::StreamOrDevice s) {
  const mx::array q = yuyv_quads(yuyv, "stereo.yuyv_to_rgb", s);
  const int h = q.shape(0), w = q.shape(1) * 2;
  const mx::array c128 = mx::array(128.0f), c16 = mx::array(16.0f);
  const mx::array y0 = mx::take(q, 0, 2, s), u = mx::subtract(mx::take(q, 1, 2, s), c128, s);
  const mx::array y1 = mx::take(q, 2, 2, s), v = mx::subtract(mx::take(q, 3, 2, s), c128, s);
  // Both pixels of a pair share U and V: stack them as [H, W/2, 2] then flatten to [H, W].
  const mx::array luma = times(1.164f, mx::subtract(mx::maximum(mx::stack({y0, y1}, -1, s), c16, s), c16, s), s);
  const mx::array uu = mx::expand_dims(u, -1, s), vv = mx::expand_dims(v, -1, s);
  const mx::array r = mx::add(luma, times(1.596f, vv, s), s);
  const mx::array g = mx::subtract(mx::subtract(luma, times(0.391f, uu, s), s), times(0.813f, vv, s), s);
  const mx::array b = mx::add(luma, times(2.018f, uu, s), s);
  return mx::reshape(to_u8(mx::stack({r, g, b}, -1, s), s), {h, w, 3}, s);
}

mx::array yuyv_to_grey(const mx::array& yuyv, mx::StreamOrDevice s) {
  const mx::array q = yuyv_quads(yuyv, "stereo.yuyv_to_grey", s);
  const int h = q.shape(0), w = q.shape(1) * 2;
  const mx::array luma = mx::stack({mx::take(q, 0, 2, s), mx::take(q, 2, 2, s)}, -1, s);
  return mx::astype(mx::reshape(luma, {h, w}, s), mx::uint8, s);
}

mx::array rgb_to_grey(const mx::array& rgb, mx::StreamOrDevice s) {
  if (rgb.ndim() == 2) return rgb;
  if (rgb.ndim() != 3 || (rgb.shape(2) != 1 && rgb.shape(2) != 3 && rgb.shape(2) != 4))
    fail_argument("stereo.rgb_to_grey", "image must be [H, W] or [H, W, 1|3|4], got " + shape_string(rgb.shape()));
  if (rgb.shape(2) == 1) return mx::squeeze(rgb, 2, s);
  const mx::array f = mx::astype(rgb, mx::float32, s);
  const mx::array rg = mx::add(times(0.299f, mx::take(f, 0, 2, s), s), times(0.587f, mx::take(f, 1, 2, s), s), s);
  const mx::array grey = mx::add(rg, times(0.114f, mx::take(f, 2, 2, s), s), s);
  if (rgb.dtype() == mx::uint8) return to_u8(grey, s);
  return mx::astype(grey, rgb.dtype(), s);
}

}  // namespace robomlx::stereo
