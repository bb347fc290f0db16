// SPDX-License-Identifier: Apache-2.0
// PNG and PGM/PPM round trips, real files, and malformed input.
#include <filesystem>
#include <fstream>
#include <random>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "support.h"

namespace robomlx {
namespace {

Image random_image(int h, int w, int c, mx::Dtype dtype, unsigned seed) {
  Image im = Image::zeros(h, w, c, dtype);
  std::mt19937 rng(seed);
  for (auto& b : im.bytes) b = static_cast<std::uint8_t>(rng());
  return im;
}

std::string write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(IoPng, RoundTripsEveryLayout) {
  auto dir = test::temp_dir();
  for (mx::Dtype dtype : {mx::uint8, mx::uint16}) {
    for (int c = 1; c <= 4; ++c) {
      auto im = random_image(17, 23, c, dtype, c);
      write_png(dir + "/x.png", im);
      auto back = read_png(dir + "/x.png");
      EXPECT_EQ(back.height, 17);
      EXPECT_EQ(back.width, 23);
      EXPECT_EQ(back.channels, c);
      EXPECT_EQ(back.dtype, dtype);
      EXPECT_EQ(back.bytes, im.bytes) << "channels " << c;
    }
  }
}

TEST(IoPng, SixteenBitIsBigEndianOnDisk) {
  auto dir = test::temp_dir();
  Image im = Image::zeros(1, 1, 1, mx::uint16);
  im.data<std::uint16_t>()[0] = 0x1234;
  write_png(dir + "/one.png", im);
  EXPECT_EQ(read_png(dir + "/one.png").at<std::uint16_t>(0, 0), 0x1234);
}

TEST(IoPng, ReadsRealMiddleburyImage) {
  auto im = read_png(test::shared_dir() + "/data/stereo/middlebury-v2/tsukuba/imL.png");
  EXPECT_EQ(im.width, 384);
  EXPECT_EQ(im.height, 288);
  EXPECT_EQ(im.dtype, mx::uint8);
}

TEST(IoPng, RejectsMalformedFiles) {
  auto dir = test::temp_dir();
  EXPECT_THROW_MSG(read_png(dir + "/missing.png"), FormatError, "cannot open");
  EXPECT_THROW_MSG(read_png(write_bytes(dir + "/text.png", "hello world")), FormatError, "bad signature");
  write_png(dir + "/ok.png", random_image(32, 32, 3, mx::uint8, 1));
  std::ifstream in(dir + "/ok.png", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THROW_MSG(read_png(write_bytes(dir + "/cut.png", bytes.substr(0, bytes.size() / 2))), FormatError,
                   "cut.png");
  EXPECT_THROW_MSG(write_png(dir + "/f.png", Image::zeros(2, 2, 1, mx::float32)), std::invalid_argument, "uint8 or uint16");
  EXPECT_FALSE(std::filesystem::exists(dir + "/f.png"));
}

TEST(IoPnm, RoundTripsAndMatchesGoldenHeader) {
  auto dir = test::temp_dir();
  for (auto [c, dtype] : {std::pair{1, mx::uint16}, std::pair{3, mx::uint8}, std::pair{1, mx::uint8}}) {
    auto im = random_image(9, 11, c, dtype, 5);
    write_pnm(dir + "/x.pnm", im);
    auto back = read_pnm(dir + "/x.pnm");
    EXPECT_EQ(back.bytes, im.bytes);
    EXPECT_EQ(back.channels, c);
  }
  auto depth = read_pnm(test::shared_dir() + "/golden/realsense/inputs/real_depth_640x480.pgm");
  EXPECT_EQ(depth.width, 640);
  EXPECT_EQ(depth.height, 480);
  EXPECT_EQ(depth.dtype, mx::uint16);
}

TEST(IoPnm, BigEndianSamplesAndComments) {
  auto dir = test::temp_dir();
  auto im = read_pnm(write_bytes(dir + "/a.pgm", std::string("P5\n# comment\n2 1\n65535\n\x01\x02\x00\x05", 27)));
  EXPECT_EQ(im.at<std::uint16_t>(0, 0), 0x0102);
  EXPECT_EQ(im.at<std::uint16_t>(0, 1), 5);
}

TEST(IoPnm, RejectsMalformedHeaders) {
  auto dir = test::temp_dir();
  EXPECT_THROW_MSG(read_pnm(write_bytes(dir + "/a.pgm", "P2\n1 1\n255\n0")), FormatError, "P5 or P6");
  EXPECT_THROW_MSG(read_pnm(write_bytes(dir + "/b.pgm", "P5\n1\n")), FormatError, "missing height");
  EXPECT_THROW_MSG(read_pnm(write_bytes(dir + "/c.pgm", "P5\n2 2\n70000\n")), FormatError, "maxval");
  EXPECT_THROW_MSG(read_pnm(write_bytes(dir + "/d.pgm", "P5\n4 4\n255\nabc")), FormatError, "truncated");
  EXPECT_THROW_MSG(read_pnm(write_bytes(dir + "/e.pgm", "P5\n99999999999 4\n255\n")), FormatError, "too large");
  EXPECT_THROW_MSG(read_raw_f32(write_bytes(dir + "/f.f32", "abc"), 1), FormatError, "expected 4");
}

}  // namespace
}  // namespace robomlx
