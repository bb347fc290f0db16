// SPDX-License-Identifier: Apache-2.0
// stereo::read_image: sizes from the header before decoding (the pixel cap), every format the
// probe knows read to the same pixels as cv::imread, robomlx's own messages for PNG, and
// OpenCV's failures as one FormatError naming the file with nothing printed to stderr.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <mlx/mlx.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/image_probe.h"
#include "robomlx/core/io/stderr_capture.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/video.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

namespace fs = std::filesystem;

cv::Mat pattern(int h, int w, int type) {
  cv::Mat m(h, w, type);
  cv::randu(m, 0, CV_MAT_DEPTH(type) == CV_16U ? 65535 : 255);
  return m;
}

// The RGB / grey Mat read_image should equal.
cv::Mat opencv_reference(const std::string& path) {
  cv::Mat m = cv::imread(path, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  return m;
}

void expect_same(const Image& im, const cv::Mat& ref, const std::string& what) {
  ASSERT_EQ(im.height, ref.rows) << what;
  ASSERT_EQ(im.width, ref.cols) << what;
  ASSERT_EQ(im.channels, ref.channels()) << what;
  const std::size_t row = std::size_t(ref.cols) * ref.elemSize();
  for (int y = 0; y < ref.rows; ++y)
    ASSERT_EQ(std::memcmp(im.bytes.data() + y * row, ref.ptr(y), row), 0) << what << " row " << y;
}

TEST(ReadImage, EveryFormatMatchesOpenCv) {
  const std::string dir = test::temp_dir();
  struct Row {
    std::string file;
    int type;
    std::vector<int> params;
  };
  const Row rows[] = {{"a.png", CV_8UC3, {}},       {"g16.png", CV_16UC1, {}},  {"a.ppm", CV_8UC3, {}},
                      {"a.pgm", CV_8UC1, {cv::IMWRITE_PXM_BINARY, 0}},            {"a.jpg", CV_8UC3, {}},
                      {"progressive.jpg", CV_8UC3, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}}, {"grey.jpg", CV_8UC1, {}},
                      {"a.bmp", CV_8UC3, {}},       {"a.tiff", CV_8UC3, {}},    {"g16.tiff", CV_16UC1, {}},
                      {"a.webp", CV_8UC3, {cv::IMWRITE_WEBP_QUALITY, 101}}};
  for (const auto& r : rows) {
    const std::string path = dir + "/" + r.file;
    ASSERT_TRUE(cv::imwrite(path, pattern(13, 17, r.type), r.params)) << r.file;
    expect_same(read_image(path), opencv_reference(path), r.file);
    const std::string bytes = test::slurp_bytes(path);
    const ImageHeader h = probe_image(bytes.data(), bytes.size(), path);
    EXPECT_EQ(h.width, 17u) << r.file;
    EXPECT_EQ(h.height, 13u) << r.file;
  }
  // Alpha is dropped as cv::imread drops it: RGBA -> RGB, grey + alpha -> grey.
  ASSERT_TRUE(cv::imwrite(dir + "/rgba.png", pattern(5, 6, CV_8UC4)));
  expect_same(read_image(dir + "/rgba.png"), opencv_reference(dir + "/rgba.png"), "rgba.png");
}

// Issue 12, items 5 and 6: headers over the cap fail before any decoder runs, whichever decoder
// the format goes to; OpenCV's own limit (2^30 pixels) and its messages never show.
TEST(ReadImage, HeadersOverTheCapFailFirst) {
  const std::string dir = test::temp_dir();
  const std::pair<std::string, std::string> bombs[] = {
      {"bomb.png", test::png_claiming(16000, 12000)},  {"bomb.jpg", test::jpeg_claiming(60000, 60000)},
      {"bomb.bmp", test::bmp_claiming(16000, 12000)},  {"bomb.tif", test::tiff_claiming(16000, 12000)},
      {"bomb.webp", test::webp_claiming(16000, 12000)}, {"bomb.pgm", test::pgm_claiming(16000, 12000)}};
  for (const auto& [name, bytes] : bombs) {
    const std::string path = test::write_file(dir + "/" + name, bytes);
    StderrCapture capture;
    EXPECT_THROW_MSG(read_image(path), InputLimitError, path + ": ");
    EXPECT_THROW_MSG(read_image(path), InputLimitError, "exceeds the pixels cap of 67108864 (raise it with --max-pixels");
    EXPECT_EQ(capture.text(), "") << name;
  }
}

// A PFM header is sized before its payload is allocated (it used to allocate w*h*4 bytes, up to
// 16 GiB, for a 20-byte file).
TEST(ReadImage, PfmHeaderMeetsTheCapAndTheFileSize) {
  const std::string dir = test::temp_dir();
  const std::string pfm = test::write_file(dir + "/d.pfm", "Pf\n65536 65536\n-1.0\n" + std::string(64, '\0'));
  EXPECT_THROW_MSG(read_pfm(pfm), InputLimitError, pfm + ": PFM image 65536x65536 (4294967296 pixels) exceeds the pixels cap");
  set_input_cap(InputCap::pixels, std::uint64_t(1) << 33);
  EXPECT_THROW_MSG(read_pfm(pfm), FormatError, pfm + ": PFM payload is shorter than 17179869184 bytes");
  set_input_cap(InputCap::pixels, 0);
}

TEST(ReadImage, BrokenFilesAreOneFormatError) {
  const std::string dir = test::temp_dir();
  ASSERT_TRUE(cv::imwrite(dir + "/ok.png", pattern(40, 50, CV_8UC3)));
  ASSERT_TRUE(cv::imwrite(dir + "/ok.jpg", pattern(40, 50, CV_8UC3)));
  ASSERT_TRUE(cv::imwrite(dir + "/ok.tiff", pattern(40, 50, CV_8UC3)));
  ASSERT_TRUE(cv::imwrite(dir + "/ok.webp", pattern(40, 50, CV_8UC3)));
  const std::string png = test::slurp_bytes(dir + "/ok.png"), jpg = test::slurp_bytes(dir + "/ok.jpg");
  const std::string tiff = test::slurp_bytes(dir + "/ok.tiff"), webp = test::slurp_bytes(dir + "/ok.webp");
  const std::pair<std::string, std::string> rows[] = {
      {test::write_file(dir + "/cut.png", png.substr(0, png.size() / 2)), "corrupt PNG: file truncated"},
      {test::write_file(dir + "/cut.jpg", jpg.substr(0, jpg.size() / 2)), "corrupt JPEG: file truncated"},
      {test::write_file(dir + "/cut.tiff", tiff.substr(0, tiff.size() - 300)), "TIFF"},
      {test::write_file(dir + "/cut.webp", webp.substr(0, webp.size() / 2)), "WebP"},
      {test::write_file(dir + "/text.png", "not an image at all"), "not a recognised image"},
      {test::write_file(dir + "/empty.jpg", ""), "empty file, not an image"},
      {dir + "/missing.png", "cannot open file: No such file or directory"},
      {dir, "read error: Is a directory"},
  };
  for (const auto& [path, message] : rows) {
    SCOPED_TRACE(path);
    StderrCapture capture;  // nothing from libpng, libjpeg, libtiff or OpenCV's logger may leak
    EXPECT_THROW_MSG(read_image(path), FormatError, path + ": ");
    EXPECT_THROW_MSG(read_image(path), FormatError, message);
    EXPECT_EQ(capture.text(), "") << path;
  }
}

}  // namespace
}  // namespace robomlx::stereo
