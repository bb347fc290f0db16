// SPDX-License-Identifier: Apache-2.0
// The input policies (core/input_policy.h): caps with their overrides, checked from headers
// before allocation by every core reader; non-finite rows; strict number parsing; JSON text;
// stderr capture of third-party messages.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <mlx/ops.h>
#include <nlohmann/json.hpp>

#include "hostile_files.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/image_probe.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/core/io/npy.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/core/io/stderr_capture.h"
#include "support.h"

namespace robomlx {
namespace {

// Sets a cap for one scope and restores "not set" after it.
struct ScopedCap {
  ScopedCap(InputCap cap, std::uint64_t v) : cap_(cap) { set_input_cap(cap, v); }
  ~ScopedCap() { set_input_cap(cap_, 0); }
  InputCap cap_;
};

// Sets an environment variable for one scope.
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) ::unsetenv(name_);
    else ::setenv(name_, old_.c_str(), 1);
  }
  const char* name_;
  std::string old_;
};

TEST(InputCaps, DefaultsEnvironmentAndFlagInThatOrder) {
  EXPECT_EQ(input_cap(InputCap::pixels), std::uint64_t(1) << 26);
  EXPECT_EQ(input_cap(InputCap::points), std::uint64_t(1) << 27);
  EXPECT_EQ(input_cap(InputCap::elements), std::uint64_t(1) << 30);
  {
    ScopedEnv env("ROBOMLX_MAX_PIXELS", "1000");
    EXPECT_EQ(input_cap(InputCap::pixels), 1000u);
    ScopedCap flag(InputCap::pixels, 5000);
    EXPECT_EQ(input_cap(InputCap::pixels), 5000u);  // the flag wins over the environment
  }
  EXPECT_EQ(input_cap(InputCap::pixels), std::uint64_t(1) << 26);
  ScopedEnv bad("ROBOMLX_MAX_POINTS", "12k");
  EXPECT_THROW_MSG(input_cap(InputCap::points), std::invalid_argument,
                   "ROBOMLX_MAX_POINTS must be a positive integer, got '12k'");
}

TEST(InputCaps, ParseAcceptsOnlyPositiveIntegers) {
  EXPECT_EQ(parse_input_cap("192000000", "--max-pixels"), 192000000u);
  for (const char* bad : {"", "0", "-5", "1e9", "12k", " 7", "7 ", "99999999999999999999999"}) {
    EXPECT_THROW_MSG(parse_input_cap(bad, "--max-pixels"), std::invalid_argument, "--max-pixels must be a positive integer");
  }
}

TEST(InputCaps, MessageNamesCapValueAndHowToRaiseIt) {
  ScopedCap cap(InputCap::pixels, 100);
  EXPECT_NO_THROW(check_image_size(10, 10, "a.png", "PNG image"));
  EXPECT_THROW_MSG(check_image_size(11, 10, "a.png", "PNG image"), InputLimitError,
                   "a.png: PNG image 11x10 (110 pixels) exceeds the pixels cap of 100 (raise it with --max-pixels N or "
                   "ROBOMLX_MAX_PIXELS=N)");
  EXPECT_THROW_MSG(check_image_size(std::uint64_t(1) << 40, std::uint64_t(1) << 40, "b.png", "PNG image"),
                   InputLimitError, "exceeds the pixels cap");  // the product overflows 64 bits
}

// Each core reader refuses a header over the cap before allocating for it: the files claim
// 16000 x 12000 (or 2^31 rows) over a few bytes, which also proves no decode was attempted
// (that would fail as truncated, not as over the cap).
TEST(InputCaps, CoreReadersCheckHeadersFirst) {
  const std::string dir = test::temp_dir();
  EXPECT_THROW_MSG(read_png(test::write_file(dir + "/bomb.png", test::png_claiming(16000, 12000))), InputLimitError,
                   "bomb.png: PNG image 16000x12000 (192000000 pixels) exceeds the pixels cap of 67108864");
  EXPECT_THROW_MSG(read_pnm(test::write_file(dir + "/bomb.pgm", test::pgm_claiming(16000, 12000))), InputLimitError,
                   "PGM image 16000x12000");
  const std::string ply = "ply\nformat binary_little_endian 1.0\nelement vertex 200000000\nproperty float x\nend_header\n";
  EXPECT_THROW_MSG(decode_ply(ply.data(), ply.size(), "p.ply"), InputLimitError,
                   "p.ply: header line 3: vertex count 200000000 exceeds the points cap of 134217728");
  {
    ScopedCap points(InputCap::points, std::uint64_t(1) << 31);
    const std::string wide = "ply\nformat ascii 1.0\nelement vertex 100000000\nproperty float a\nproperty float b\n"
                             "property float c\nproperty float d\nproperty float e\nproperty float f\nproperty float g\n"
                             "property float h\nproperty float i\nproperty float j\nproperty float k\nend_header\n";
    EXPECT_THROW_MSG(decode_ply(wide.data(), wide.size(), "w.ply"), InputLimitError,
                     "vertex data (100000000 rows x 11 properties) exceeds the elements cap");
  }
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (40000, 40000), }";
  dict.append(118 - dict.size() - 1, ' ');
  dict += '\n';
  npy += test::le16(std::uint32_t(dict.size())) + dict;
  EXPECT_THROW_MSG(decode_npy(npy.data(), npy.size(), "a.npy"), InputLimitError,
                   "a.npy: array of shape (40000, 40000) with 1600000000 elements exceeds the elements cap");
  // Under the cap, the same readers go on to their own checks.
  ScopedCap big(InputCap::pixels, std::uint64_t(1) << 32);
  EXPECT_THROW_MSG(read_png(dir + "/bomb.png"), FormatError, "corrupt PNG");
  EXPECT_THROW_MSG(read_pnm(dir + "/bomb.pgm"), FormatError, "PNM payload truncated");
}

TEST(InputCaps, ImagesWithinTheCapStillRead) {
  const std::string dir = test::temp_dir();
  write_png(dir + "/ok.png", Image::zeros(30, 40, 3, mx::uint8));
  ScopedCap cap(InputCap::pixels, 1200);
  EXPECT_EQ(read_png(dir + "/ok.png").width, 40);
  set_input_cap(InputCap::pixels, 1199);
  EXPECT_THROW(read_png(dir + "/ok.png"), InputLimitError);
}

TEST(ImageProbe, SizesFromEveryHeaderFormat) {
  struct Row {
    const char* format;
    std::string bytes;
  };
  const Row rows[] = {{"PNG", test::png_claiming(321, 123)},  {"PNM", test::pgm_claiming(321, 123)},
                      {"JPEG", test::jpeg_claiming(321, 123)}, {"BMP", test::bmp_claiming(321, 123)},
                      {"TIFF", test::tiff_claiming(321, 123)}, {"WebP", test::webp_claiming(321, 123)}};
  for (const auto& r : rows) {
    SCOPED_TRACE(r.format);
    const ImageHeader h = probe_image(r.bytes.data(), r.bytes.size(), "x");
    EXPECT_EQ(h.format, r.format);
    EXPECT_EQ(h.width, 321u);
    EXPECT_EQ(h.height, 123u);
    ScopedCap exact(InputCap::pixels, 321 * 123);
    EXPECT_NO_THROW(probe_image_checked(r.bytes.data(), r.bytes.size(), "x"));
    set_input_cap(InputCap::pixels, 321 * 123 - 1);
    EXPECT_THROW_MSG(probe_image_checked(r.bytes.data(), r.bytes.size(), "x"), InputLimitError,
                     std::string(r.format) + " image 321x123 (39483 pixels) exceeds the pixels cap of 39482");
  }
}

TEST(ImageProbe, MalformedHeadersNameFormatAndField) {
  struct Row {
    std::string bytes, message;
  };
  const std::string jpeg = test::jpeg_claiming(10, 10);
  const Row rows[] = {
      {"", "x: empty file, not an image"},
      {"hello world", "not a recognised image (robomlx reads PNG, PGM/PPM/PBM, JPEG, BMP, TIFF and WebP)"},
      {test::png_claiming(10, 10).substr(0, 18), "PNG header truncated in the IHDR width"},
      {test::png_claiming(0, 10), "PNG header: width and height must be > 0, got 0x10"},
      {jpeg.substr(0, 8), "JPEG header truncated in the SOF height"},
      {std::string("\xff\xd8\xff\xda\x00\x02", 6), "JPEG has no frame header (SOFn) before its scan data"},
      {test::bmp_claiming(10, 10).substr(0, 20), "BMP header truncated in the width"},
      {test::tiff_claiming(10, 10).substr(0, 12), "TIFF header truncated in the IFD entry"},
      {std::string("II+\0\x08\0\0\0", 8), "BigTIFF files are not supported"},
      {test::webp_claiming(10, 10).substr(0, 25), "WebP header truncated in the VP8X canvas width"},
      {"P5\n12", "PGM/PPM header: missing height"},
  };
  for (const auto& r : rows) {
    EXPECT_THROW_MSG(probe_image(r.bytes.data(), r.bytes.size(), "x"), FormatError, r.message);
  }
}

TEST(NonFinite, RowsAreFoundAndCounted) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float t[] = {1, 2, 3, nan, 0, 0, 4, 5, 6, 0, -inf, 0};
  const FiniteRows r = finite_rows(t, 4, 3);
  EXPECT_EQ(r.dropped, 2u);
  ASSERT_TRUE(r.first_bad);
  EXPECT_EQ(*r.first_bad, 1u);
  EXPECT_EQ(r.keep, (std::vector<std::uint8_t>{1, 0, 1, 0}));
  EXPECT_EQ(parse_non_finite_policy("drop"), NonFinitePolicy::drop);
  EXPECT_THROW_MSG(parse_non_finite_policy("ignore"), std::invalid_argument, "must be reject or drop");
}

TEST(NonFinite, RangeChecksNameFieldRangeAndValue) {
  EXPECT_NO_THROW(require_in_range(10, -10, 10, "f", "k1"));
  EXPECT_THROW_MSG(require_in_range(1e20, -10, 10, "SN1.conf", "line 3: [LEFT_CAM_HD] k1", "radial"), FormatError,
                   "SN1.conf: line 3: [LEFT_CAM_HD] k1 must be in [-10, 10] (radial), got 1e+20");
  EXPECT_THROW_MSG(require_in_range(std::nan(""), -1e308, 1e308, "f", "v"), FormatError, "got nan");
  EXPECT_THROW_MSG(require_in_range(-INFINITY, -INFINITY, 1, "f", "v"), FormatError, "got -inf");
}

TEST(NonFinite, StrictNumberParsing) {
  EXPECT_EQ(*parse_finite_number("+1.5"), 1.5);
  EXPECT_EQ(*parse_finite_number("-2e3"), -2000);
  for (const char* bad : {"", "+", "nan", "inf", "-inf", "1e309", "1.5x", " 1", "1,5", "0x10", "++1", "+-1"})
    EXPECT_FALSE(parse_finite_number(bad)) << bad;
  EXPECT_EQ(*parse_integer("1024", 1, 1024), 1024);
  for (const char* bad : {"1025", "0", "3000000000", "99999999999999999999", "1e3", "59.5", "-1", ""})
    EXPECT_FALSE(parse_integer(bad, 1, 1024)) << bad;
}

TEST(JsonText, NulBytesAndTrailingTextAreParseErrors) {
  EXPECT_EQ(parse_json_text(R"({"sgm": {"p1": 10}})", "c.json")["sgm"]["p1"], 10);
  const std::string nul = std::string(R"({"sgm": {"p1": 10}})") + '\0' + "garbage";
  EXPECT_THROW_MSG(parse_json_text(nul, "c.json"), FormatError, "c.json: byte 19 is a NUL byte");
  EXPECT_THROW_MSG(parse_json_text(R"({"a": 1} x)", "c.json"), FormatError, "c.json: invalid JSON");
  EXPECT_THROW_MSG(parse_json_text(R"({"a": 1e400})", "c.json"), FormatError, "invalid JSON");
  EXPECT_THROW_MSG(read_json_file("/nonexistent/c.json"), FormatError, "/nonexistent/c.json: cannot open file");
}

TEST(StderrCapture, KeepsLibraryMessagesOffStderr) {
  std::string seen;
  {
    StderrCapture capture;
    std::fputs("\n  libpng error: Read Error  \nsecond\n", stderr);
    ::write(2, "raw\n", 4);
    seen = capture.first_line();
    EXPECT_NE(capture.text().find("raw"), std::string::npos);
    StderrCapture nested;  // a no-op: the outer capture keeps everything
    std::fputs("inner\n", stderr);
    EXPECT_NE(capture.text().find("inner"), std::string::npos);
  }
  EXPECT_EQ(seen, "libpng error: Read Error");
}

}  // namespace
}  // namespace robomlx
