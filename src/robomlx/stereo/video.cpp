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
mx::array yuyv_quads(const mx::array& yuyv, const char* tag) {
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
  return mx::reshape(mx::astype(yuyv, mx::float32), {h, w / 2, 4});
}

mx::array to_u8(const mx::array& v) {
  return mx::astype(mx::clip(mx::round(v), mx::array(0.0f), mx::array(255.0f)), mx::uint8);
}

}  // namespace

mx::array yuyv_to_rgb(const mx::array& yuyv) {
  const mx::array q = yuyv_quads(yuyv, "stereo.yuyv_to_rgb");
  const int h = q.shape(0), w = q.shape(1) * 2;
  const mx::array y0 = mx::take(q, 0, 2), u = mx::take(q, 1, 2) - 128.0f;
  const mx::array y1 = mx::take(q, 2, 2), v = mx::take(q, 3, 2) - 128.0f;
  // Both pixels of a pair share U and V: stack them as [H, W/2, 2] then flatten to [H, W].
  const mx::array luma = 1.164f * (mx::maximum(mx::stack({y0, y1}, -1), mx::array(16.0f)) - 16.0f);
  const mx::array uu = mx::expand_dims(u, -1), vv = mx::expand_dims(v, -1);
  const mx::array r = luma + 1.596f * vv;
  const mx::array g = luma - 0.391f * uu - 0.813f * vv;
  const mx::array b = luma + 2.018f * uu;
  return mx::reshape(to_u8(mx::stack({r, g, b}, -1)), {h, w, 3});
}

mx::array yuyv_to_grey(const mx::array& yuyv) {
  const mx::array q = yuyv_quads(yuyv, "stereo.yuyv_to_grey");
  const int h = q.shape(0), w = q.shape(1) * 2;
  return mx::astype(mx::reshape(mx::stack({mx::take(q, 0, 2), mx::take(q, 2, 2)}, -1), {h, w}), mx::uint8);
}

mx::array rgb_to_grey(const mx::array& rgb) {
  if (rgb.ndim() == 2) return rgb;
  if (rgb.ndim() != 3 || (rgb.shape(2) != 1 && rgb.shape(2) != 3 && rgb.shape(2) != 4))
    fail_argument("stereo.rgb_to_grey", "image must be [H, W] or [H, W, 1|3|4], got " + shape_string(rgb.shape()));
  if (rgb.shape(2) == 1) return mx::squeeze(rgb, 2);
  const mx::array f = mx::astype(rgb, mx::float32);
  const mx::array grey =
      0.299f * mx::take(f, 0, 2) + 0.587f * mx::take(f, 1, 2) + 0.114f * mx::take(f, 2, 2);
  if (rgb.dtype() == mx::uint8) return to_u8(grey);
  return mx::astype(grey, rgb.dtype());
}

}  // namespace robomlx::stereo
