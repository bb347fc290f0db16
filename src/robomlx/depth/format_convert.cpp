// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/format_convert.h"

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.format";

mx::array i32(int v) { return mx::array(v, mx::int32); }

struct Planes {
  mx::array y{0}, u{0}, v{0};  // [H, W] int32, chroma repeated per pixel pair
};

Planes unpack(const mx::array& packed, PackedYuv layout, mx::Stream s) {
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
  auto q = mx::astype(mx::reshape(packed, {h, w / 2, 4}, s), mx::int32, s);
  // YUY2: Y0 U Y1 V; UYVY: U Y0 V Y1.
  const int y0 = layout == PackedYuv::yuy2 ? 0 : 1, ui = layout == PackedYuv::yuy2 ? 1 : 0;
  auto take = [&](int i) { return mx::slice(q, {0, 0, i}, {h, w / 2, i + 1}, s); };
  Planes p;
  p.y = mx::reshape(mx::concatenate({take(y0), take(y0 + 2)}, 2, s), {h, w}, s);
  p.u = mx::reshape(mx::repeat(take(ui), 2, 2, s), {h, w}, s);
  p.v = mx::reshape(mx::repeat(take(ui + 2), 2, 2, s), {h, w}, s);
  return p;
}

mx::array pack(const mx::array& r, const mx::array& g, const mx::array& b, FrameFormat target, mx::Stream s) {
  auto clamp8 = [&](const mx::array& x) { return mx::astype(mx::clip(x, i32(0), i32(255), s), mx::uint8, s); };
  const auto r8 = clamp8(r), g8 = clamp8(g), b8 = clamp8(b);
  const auto a8 = mx::full(r8.shape(), mx::array(255, mx::uint8), s);
  switch (target) {
    case FrameFormat::rgb8: return mx::stack({r8, g8, b8}, 2, s);
    case FrameFormat::bgr8: return mx::stack({b8, g8, r8}, 2, s);
    case FrameFormat::rgba8: return mx::stack({r8, g8, b8, a8}, 2, s);
    case FrameFormat::bgra8: return mx::stack({b8, g8, r8, a8}, 2, s);
    default: break;
  }
  fail_argument(kTag, std::string("YUV target must be rgb8, bgr8, rgba8, bgra8 or y8, got ") + to_string(target));
}

mx::array convert(const mx::array& packed, PackedYuv layout, FrameFormat target, bool simd, mx::Stream s) {
  if (target != FrameFormat::y8 && target != FrameFormat::rgb8 && target != FrameFormat::bgr8 &&
      target != FrameFormat::rgba8 && target != FrameFormat::bgra8) {
    fail_argument(kTag, std::string("YUV target must be rgb8, bgr8, rgba8, bgra8 or y8, got ") + to_string(target));
  }
  const Planes p = unpack(packed, layout, s);
  if (target == FrameFormat::y8) return mx::astype(p.y, mx::uint8, s);
  auto sub = [&](const mx::array& a, const mx::array& b) { return mx::subtract(a, b, s); };
  auto add = [&](const mx::array& a, const mx::array& b) { return mx::add(a, b, s); };
  auto times = [&](const mx::array& x, int k) { return mx::multiply(x, i32(k), s); };
  auto shift8 = [&](const mx::array& x) { return mx::right_shift(x, i32(8), s); };
  const auto c = sub(p.y, i32(16)), d = sub(p.u, i32(128)), e = sub(p.v, i32(128));
  if (simd) {
    auto term = [&](const mx::array& x, int k) { return shift8(times(x, k)); };
    const auto c298 = term(c, 298);
    return pack(add(c298, term(e, 409)), sub(sub(c298, term(d, 100)), term(e, 208)), add(c298, term(d, 516)), target, s);
  }
  const auto c298 = add(times(c, 298), i32(128));
  return pack(shift8(add(c298, times(e, 409))), shift8(sub(sub(c298, times(d, 100)), times(e, 208))),
              shift8(add(c298, times(d, 516))), target, s);
}

}  // namespace

mx::array convert_yuv(const mx::array& packed, PackedYuv layout, FrameFormat target, mx::StreamOrDevice s) {
  return convert(packed, layout, target, true, op_stream(s));
}

mx::array convert_yuv_scalar(const mx::array& packed, PackedYuv layout, FrameFormat target, mx::StreamOrDevice s) {
  return convert(packed, layout, target, false, op_stream(s));
}

std::pair<mx::array, mx::array> split_y8i(const mx::array& y8i, mx::StreamOrDevice so) {
  check_dtype(kTag, "y8i", y8i, {mx::uint8});
  if (!(y8i.ndim() == 3 && y8i.shape(2) == 2) && !(y8i.ndim() == 2 && y8i.shape(1) % 2 == 0)) {
    fail_argument(kTag, "y8i must be [H, W, 2] or [H, 2W] uint8, got " + shape_string(y8i.shape()));
  }
  const mx::Stream s = op_stream(so);
  const int h = y8i.shape(0), w = y8i.ndim() == 3 ? y8i.shape(1) : y8i.shape(1) / 2;
  auto q = mx::reshape(y8i, {h, w, 2}, s);
  return {mx::reshape(mx::slice(q, {0, 0, 0}, {h, w, 1}, s), {h, w}, s),
          mx::reshape(mx::slice(q, {0, 0, 1}, {h, w, 2}, s), {h, w}, s)};
}

std::pair<mx::array, mx::array> split_y12i(const mx::array& y12i, mx::StreamOrDevice so) {
  check_dtype(kTag, "y12i", y12i, {mx::uint8});
  if (!(y12i.ndim() == 3 && y12i.shape(2) == 3) && !(y12i.ndim() == 2 && y12i.shape(1) % 3 == 0)) {
    fail_argument(kTag, "y12i must be [H, W, 3] or [H, 3W] uint8, got " + shape_string(y12i.shape()));
  }
  const mx::Stream s = op_stream(so);
  const int h = y12i.shape(0), w = y12i.ndim() == 3 ? y12i.shape(1) : y12i.shape(1) / 3;
  auto q = mx::astype(mx::reshape(y12i, {h, w, 3}, s), mx::int32, s);
  auto byte = [&](int i) { return mx::reshape(mx::slice(q, {0, 0, i}, {h, w, i + 1}, s), {h, w}, s); };
  const auto b0 = byte(0), b1 = byte(1), b2 = byte(2);
  const auto right = mx::bitwise_or(mx::left_shift(mx::bitwise_and(b1, i32(15), s), i32(8), s), b0, s);
  const auto left = mx::bitwise_or(mx::left_shift(b2, i32(4), s), mx::right_shift(b1, i32(4), s), s);
  auto scale = [&](const mx::array& v) {
    return mx::astype(mx::bitwise_or(mx::left_shift(v, i32(6), s), mx::right_shift(v, i32(4), s), s), mx::uint16, s);
  };
  return {scale(left), scale(right)};
}

}  // namespace robomlx::depth
