// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/format_convert.h"

#include <mlx/ops.h>

#include "robomlx/core/check.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.format";

struct Planes {
  mx::array y{0}, u{0}, v{0};  // [H, W] int32, chroma repeated per pixel pair
};

Planes unpack(const mx::array& packed, PackedYuv layout) {
  check_dtype(kTag, "packed", packed, {mx::uint8});
  int h = 0, w2 = 0;
  if (packed.ndim() == 3 && packed.shape(2) == 2) {
    h = packed.shape(0), w2 = packed.shape(1) * 2;
  } else if (packed.ndim() == 2) {
    h = packed.shape(0), w2 = packed.shape(1);
  } else {
    fail_argument(kTag, "packed YUV must be [H, 2W] or [H, W, 2] uint8, got " + shape_string(packed.shape()));
  }
  if (w2 % 4 != 0) fail_argument(kTag, "packed YUV width must be even, got " + std::to_string(w2 / 2));
  const int w = w2 / 2;
  auto q = mx::astype(mx::reshape(packed, {h, w / 2, 4}), mx::int32);
  // YUY2: Y0 U Y1 V; UYVY: U Y0 V Y1.
  const int y0 = layout == PackedYuv::yuy2 ? 0 : 1, ui = layout == PackedYuv::yuy2 ? 1 : 0;
  auto take = [&](int i) { return mx::slice(q, {0, 0, i}, {h, w / 2, i + 1}); };
  Planes p;
  p.y = mx::reshape(mx::concatenate({take(y0), take(y0 + 2)}, 2), {h, w});
  p.u = mx::reshape(mx::repeat(take(ui), 2, 2), {h, w});
  p.v = mx::reshape(mx::repeat(take(ui + 2), 2, 2), {h, w});
  return p;
}

mx::array pack(const mx::array& r, const mx::array& g, const mx::array& b, FrameFormat target) {
  auto clamp8 = [](const mx::array& x) {
    return mx::astype(mx::clip(x, mx::array(0, mx::int32), mx::array(255, mx::int32)), mx::uint8);
  };
  const auto r8 = clamp8(r), g8 = clamp8(g), b8 = clamp8(b);
  const auto a8 = mx::full(r8.shape(), mx::array(255, mx::uint8));
  switch (target) {
    case FrameFormat::rgb8: return mx::stack({r8, g8, b8}, 2);
    case FrameFormat::bgr8: return mx::stack({b8, g8, r8}, 2);
    case FrameFormat::rgba8: return mx::stack({r8, g8, b8, a8}, 2);
    case FrameFormat::bgra8: return mx::stack({b8, g8, r8, a8}, 2);
    default: break;
  }
  fail_argument(kTag, std::string("YUV target must be rgb8, bgr8, rgba8, bgra8 or y8, got ") + to_string(target));
}

mx::array convert(const mx::array& packed, PackedYuv layout, FrameFormat target, bool simd) {
  if (target != FrameFormat::y8 && target != FrameFormat::rgb8 && target != FrameFormat::bgr8 &&
      target != FrameFormat::rgba8 && target != FrameFormat::bgra8) {
    fail_argument(kTag, std::string("YUV target must be rgb8, bgr8, rgba8, bgra8 or y8, got ") + to_string(target));
  }
  const Planes p = unpack(packed, layout);
  if (target == FrameFormat::y8) return mx::astype(p.y, mx::uint8);
  auto i32 = [](int v) { return mx::array(v, mx::int32); };
  const auto c = p.y - i32(16), d = p.u - i32(128), e = p.v - i32(128);
  auto term = [&](const mx::array& x, int k) { return mx::right_shift(x * i32(k), i32(8)); };
  if (simd) {
    const auto c298 = term(c, 298);
    return pack(c298 + term(e, 409), c298 - term(d, 100) - term(e, 208), c298 + term(d, 516), target);
  }
  const auto c298 = c * i32(298) + i32(128);
  return pack(mx::right_shift(c298 + e * i32(409), i32(8)),
              mx::right_shift(c298 - d * i32(100) - e * i32(208), i32(8)),
              mx::right_shift(c298 + d * i32(516), i32(8)), target);
}

}  // namespace

mx::array convert_yuv(const mx::array& packed, PackedYuv layout, FrameFormat target) {
  return convert(packed, layout, target, true);
}

mx::array convert_yuv_scalar(const mx::array& packed, PackedYuv layout, FrameFormat target) {
  return convert(packed, layout, target, false);
}

std::pair<mx::array, mx::array> split_y8i(const mx::array& y8i) {
  check_dtype(kTag, "y8i", y8i, {mx::uint8});
  if (!(y8i.ndim() == 3 && y8i.shape(2) == 2) && !(y8i.ndim() == 2 && y8i.shape(1) % 2 == 0)) {
    fail_argument(kTag, "y8i must be [H, W, 2] or [H, 2W] uint8, got " + shape_string(y8i.shape()));
  }
  const int h = y8i.shape(0), w = y8i.ndim() == 3 ? y8i.shape(1) : y8i.shape(1) / 2;
  auto q = mx::reshape(y8i, {h, w, 2});
  return {mx::reshape(mx::slice(q, {0, 0, 0}, {h, w, 1}), {h, w}),
          mx::reshape(mx::slice(q, {0, 0, 1}, {h, w, 2}), {h, w})};
}

std::pair<mx::array, mx::array> split_y12i(const mx::array& y12i) {
  check_dtype(kTag, "y12i", y12i, {mx::uint8});
  if (!(y12i.ndim() == 3 && y12i.shape(2) == 3) && !(y12i.ndim() == 2 && y12i.shape(1) % 3 == 0)) {
    fail_argument(kTag, "y12i must be [H, W, 3] or [H, 3W] uint8, got " + shape_string(y12i.shape()));
  }
  const int h = y12i.shape(0), w = y12i.ndim() == 3 ? y12i.shape(1) : y12i.shape(1) / 3;
  auto q = mx::astype(mx::reshape(y12i, {h, w, 3}), mx::int32);
  auto byte = [&](int i) { return mx::reshape(mx::slice(q, {0, 0, i}, {h, w, i + 1}), {h, w}); };
  auto i32 = [](int v) { return mx::array(v, mx::int32); };
  const auto b0 = byte(0), b1 = byte(1), b2 = byte(2);
  const auto right = mx::bitwise_or(mx::left_shift(mx::bitwise_and(b1, i32(15)), i32(8)), b0);
  const auto left = mx::bitwise_or(mx::left_shift(b2, i32(4)), mx::right_shift(b1, i32(4)));
  auto scale = [&](const mx::array& v) {
    return mx::astype(mx::bitwise_or(mx::left_shift(v, i32(6)), mx::right_shift(v, i32(4))), mx::uint16);
  };
  return {scale(left), scale(right)};
}

}  // namespace robomlx::depth
