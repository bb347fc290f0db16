// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "depth_test_util.h"
#include "robomlx/depth/format_convert.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

int clamp8(int v) { return std::min(255, std::max(0, v)); }

// Plain loops: librealsense's SSSE3 fixed-point form and its scalar formula.
void reference(const std::vector<std::uint8_t>& bytes, int h, int w, bool uyvy, bool simd, std::vector<int>& r,
               std::vector<int>& g, std::vector<int>& b, std::vector<int>& y) {
  r.assign(h * w, 0), g = r, b = r, y = r;
  for (int i = 0; i < h; ++i) {
    for (int j = 0; j < w; ++j) {
      const std::uint8_t* q = &bytes[(i * w + (j & ~1)) * 2];
      const int Y = uyvy ? q[(j & 1) ? 3 : 1] : q[(j & 1) ? 2 : 0];
      const int U = uyvy ? q[0] : q[1], V = uyvy ? q[2] : q[3];
      const int c = Y - 16, d = U - 128, e = V - 128, k = i * w + j;
      y[k] = Y;
      if (simd) {
        // mulhi((x << 4), (k << 4)) == (x * k) >> 8 with an arithmetic shift.
        auto m = [](int x, int f) { return ((x * 16) * (f * 16)) >> 16; };
        r[k] = clamp8(m(c, 298) + m(e, 409));
        g[k] = clamp8(m(c, 298) - m(d, 100) - m(e, 208));
        b[k] = clamp8(m(c, 298) + m(d, 516));
      } else {
        r[k] = clamp8((298 * c + 409 * e + 128) >> 8);
        g[k] = clamp8((298 * c - 100 * d - 208 * e + 128) >> 8);
        b[k] = clamp8((298 * c + 516 * d + 128) >> 8);
      }
    }
  }
}

TEST(FormatConvert, YuvVariantsMatchPlainLoops) {
  const int h = 6, w = 10;
  std::mt19937 rng(11);
  std::vector<std::uint8_t> bytes(h * w * 2);
  for (auto& v : bytes) v = std::uint8_t(rng() & 255);
  const auto packed = mx::array(bytes.data(), {h, 2 * w}, mx::uint8);
  for (bool uyvy : {false, true}) {
    for (bool simd : {true, false}) {
      std::vector<int> r, g, b, y;
      reference(bytes, h, w, uyvy, simd, r, g, b, y);
      const auto layout = uyvy ? PackedYuv::uyvy : PackedYuv::yuy2;
      auto run = [&](FrameFormat f) {
        return to_vector<std::uint8_t>(simd ? convert_yuv(packed, layout, f) : convert_yuv_scalar(packed, layout, f));
      };
      const auto rgb = run(FrameFormat::rgb8), bgr = run(FrameFormat::bgr8);
      const auto rgba = run(FrameFormat::rgba8), bgra = run(FrameFormat::bgra8), y8 = run(FrameFormat::y8);
      for (int k = 0; k < h * w; ++k) {
        SCOPED_TRACE(::testing::Message() << "uyvy=" << uyvy << " simd=" << simd << " px " << k);
        ASSERT_EQ(rgb[3 * k], r[k]);
        ASSERT_EQ(rgb[3 * k + 1], g[k]);
        ASSERT_EQ(rgb[3 * k + 2], b[k]);
        ASSERT_EQ(bgr[3 * k], b[k]);
        ASSERT_EQ(bgr[3 * k + 2], r[k]);
        ASSERT_EQ(rgba[4 * k], r[k]);
        ASSERT_EQ(rgba[4 * k + 3], 255);
        ASSERT_EQ(bgra[4 * k], b[k]);
        ASSERT_EQ(bgra[4 * k + 2], r[k]);
        ASSERT_EQ(y8[k], y[k]);
      }
    }
  }
}

TEST(FormatConvert, SimdAndScalarFormsDifferSomewhere) {
  // The two librealsense formulas are not identical (up to 1 LSB per term): the test above would
  // pass vacuously if both paths ran the same code.
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 256; ++i) bytes.insert(bytes.end(), {std::uint8_t(i), 90, std::uint8_t(255 - i), 200});
  const auto packed = mx::array(bytes.data(), {1, int(bytes.size())}, mx::uint8);
  EXPECT_NE(to_vector<std::uint8_t>(convert_yuv(packed, PackedYuv::yuy2, FrameFormat::rgb8)),
            to_vector<std::uint8_t>(convert_yuv_scalar(packed, PackedYuv::yuy2, FrameFormat::rgb8)));
}

TEST(FormatConvert, Errors) {
  const auto odd = mx::zeros({2, 6}, mx::uint8);  // 3 pixels
  EXPECT_THROW_MSG(convert_yuv(odd, PackedYuv::yuy2, FrameFormat::rgb8), std::invalid_argument,
                   "[depth.format] packed YUV width must be even, got 3");
  EXPECT_THROW_MSG(convert_yuv(mx::zeros({2, 8}, mx::uint8), PackedYuv::yuy2, FrameFormat::z16),
                   std::invalid_argument, "YUV target must be rgb8, bgr8, rgba8, bgra8 or y8, got z16");
  EXPECT_THROW_MSG(convert_yuv(mx::zeros({2, 8}, mx::uint16), PackedYuv::yuy2, FrameFormat::rgb8),
                   std::invalid_argument, "[depth.format] packed");
}

TEST(FormatConvert, InterleavedInfraredSplit) {
  std::vector<std::uint8_t> y8i = {1, 2, 3, 4, 5, 6};  // 1 x 3 pixels, (left, right) pairs
  auto [l, r] = split_y8i(mx::array(y8i.data(), {1, 6}, mx::uint8));
  EXPECT_EQ(to_vector<std::uint8_t>(l), (std::vector<std::uint8_t>{1, 3, 5}));
  EXPECT_EQ(to_vector<std::uint8_t>(r), (std::vector<std::uint8_t>{2, 4, 6}));
  // Y12I bytes b0 b1 b2: right = (b1 & 15) << 8 | b0, left = b2 << 4 | b1 >> 4; out = v << 6 | v >> 4.
  std::vector<std::uint8_t> y12i = {0x34, 0x52, 0x01, 0xFF, 0x03, 0x00};
  auto [l12, r12] = split_y12i(mx::array(y12i.data(), {1, 2, 3}, mx::uint8));
  auto scale = [](int v) { return std::uint16_t((v << 6) | (v >> 4)); };
  EXPECT_EQ(to_vector<std::uint16_t>(l12), (std::vector<std::uint16_t>{scale(0x015), scale(0x000)}));
  EXPECT_EQ(to_vector<std::uint16_t>(r12), (std::vector<std::uint16_t>{scale(0x234), scale(0x3FF)}));
}

}  // namespace
}  // namespace robomlx::depth
