// SPDX-License-Identifier: Apache-2.0
// Capture images: JPEG decoding against the colours the file was made from, PNG through core,
// header-only probes, and the refusals (truncated JPEG, lying header, other formats, missing).
#include <cstdlib>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/splat/capture_image.h"
#include "small_jpeg.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

TEST(CaptureImage, JpegDecodesToTheColoursItWasMadeFrom) {
  const std::string path = test::write_file(test::temp_dir() + "/x.jpg", test::small_jpeg());
  const ImageHeader h = probe_capture_image(path);
  EXPECT_EQ(h.format, "JPEG");
  EXPECT_EQ(h.width, 16u);
  EXPECT_EQ(h.height, 8u);
  const Image img = read_capture_image(path);
  ASSERT_EQ(img.width, 16);
  ASSERT_EQ(img.height, 8);
  ASSERT_EQ(img.channels, 3);
  ASSERT_EQ(img.dtype, mx::uint8);
  // Quality 95 with no chroma subsampling: within a few levels away from the colour edge.
  const int left[3] = {200, 40, 40}, right[3] = {30, 60, 220};
  for (int y = 0; y < 8; ++y) {
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(img.at<std::uint8_t>(y, 2, c), left[c], 6) << "y " << y << " c " << c;
      EXPECT_NEAR(img.at<std::uint8_t>(y, 13, c), right[c], 6) << "y " << y << " c " << c;
    }
  }
}

TEST(CaptureImage, PngReadsThroughCore) {
  const std::string path = test::temp_dir() + "/x.png";
  test::write_rgb_png(path, 5, 3);
  const Image img = read_capture_image(path);
  EXPECT_EQ(img.width, 5);
  EXPECT_EQ(img.height, 3);
  EXPECT_EQ(img.bytes[7], std::uint8_t(7 * 7));
  EXPECT_EQ(probe_capture_image(path).format, "PNG");
}

TEST(CaptureImageHostile, RefusalsNameTheFile) {
  const std::string dir = test::temp_dir();
  const std::string jpeg = test::small_jpeg();
  const std::string cut = test::write_file(dir + "/cut.jpg", jpeg.substr(0, jpeg.size() - 40));
  EXPECT_THROW_MSG(read_capture_image(cut), FormatError, "[splat.images] " + cut + ": corrupt JPEG: file truncated");
  const std::string huge = test::write_file(dir + "/huge.jpg", test::jpeg_claiming(60000, 60000));
  EXPECT_THROW_MSG(probe_capture_image(huge), InputLimitError, "[splat.images] " + huge + ": ");
  EXPECT_THROW_MSG(read_capture_image(huge), InputLimitError, "exceeds the pixels cap");
  const std::string bmp = test::write_file(dir + "/x.bmp", test::bmp_claiming(4, 4));
  EXPECT_THROW_MSG(probe_capture_image(bmp), FormatError, "[splat.images] " + bmp + ": BMP images are not supported: PNG or JPEG");
  EXPECT_THROW_MSG(read_capture_image(dir + "/none.png"), FormatError, "[splat.images] " + dir + "/none.png: image file is missing");
  EXPECT_THROW_MSG(probe_capture_image(dir), FormatError, "is a folder, expected an image file");
  const std::string text = test::write_file(dir + "/t.png", "hello, not an image");
  EXPECT_THROW_MSG(probe_capture_image(text), FormatError, "[splat.images] " + text + ": ");
}

}  // namespace
}  // namespace robomlx::splat
