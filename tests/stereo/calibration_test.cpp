// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/calibration.h"

#include <clocale>
#include <locale>

#include "robomlx/core/error.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

std::string fixture() { return test::source_dir() + "/tests/data/stereo/SN12345.conf"; }

// A minimal file in mixed case with a newer resolution tag (ZED X style).
const char* kMixedCase = R"(; comment
[left_cam_fhd1200]
FX = 735.5
Fy=735.25
cx=951.75
CY=604.5
k1=-0.02
k2=0.01
P1=1e-4
p2=-2E-4
k3=0
[Right_Cam_FHD1200]
fx=736
fy=736.5
cx=960.25
cy=598
k1=-0.021
k2=0.011
p1=0
p2=0
k3=0.001
[stereo]
BASELINE=+120.5
ty_fhd1200=0.25
TZ_FHD1200=-1.5
rx_fhd1200=0.001
Cv_Fhd1200=-0.002
RZ_fhd1200=0.0005
)";

TEST(StereoCalibration, ParsesFixtureValues) {
  const StereoCalibration c = load_zed_calibration(fixture(), "HD");
  EXPECT_EQ(c.resolution, "HD");
  EXPECT_DOUBLE_EQ(c.left.fx, 530.9);
  EXPECT_DOUBLE_EQ(c.left.fy, 531.0062);
  EXPECT_DOUBLE_EQ(c.left.cx, 636.85);
  EXPECT_DOUBLE_EQ(c.left.cy, 361.85);
  EXPECT_DOUBLE_EQ(c.left.distortion[0], -0.0418);
  EXPECT_DOUBLE_EQ(c.left.distortion[4], -0.00517);
  EXPECT_DOUBLE_EQ(c.right.fx, 531.1124);
  EXPECT_DOUBLE_EQ(c.right.distortion[2], -0.000121);
  EXPECT_DOUBLE_EQ(c.translation_mm[0], 119.965);
  EXPECT_DOUBLE_EQ(c.translation_mm[1], 0.132);
  EXPECT_DOUBLE_EQ(c.translation_mm[2], -0.4015);
  EXPECT_DOUBLE_EQ(c.rotation[0], -0.00087);
  EXPECT_DOUBLE_EQ(c.rotation[1], 0.00192);
  EXPECT_DOUBLE_EQ(c.rotation[2], 0.00041);
  const StereoCalibration vga = load_zed_calibration(fixture(), "vga");
  EXPECT_DOUBLE_EQ(vga.left.fx, 265.45);
}

TEST(StereoCalibration, CaseInsensitiveAndNewerTags) {
  const StereoCalibration c = parse_zed_calibration(kMixedCase, "FHD1200");
  EXPECT_EQ(c.resolution, "FHD1200");
  EXPECT_DOUBLE_EQ(c.left.fx, 735.5);
  EXPECT_DOUBLE_EQ(c.left.cy, 604.5);
  EXPECT_DOUBLE_EQ(c.left.distortion[2], 1e-4);
  EXPECT_DOUBLE_EQ(c.left.distortion[3], -2e-4);
  EXPECT_DOUBLE_EQ(c.right.cx, 960.25);
  EXPECT_DOUBLE_EQ(c.translation_mm[0], 120.5);
  EXPECT_DOUBLE_EQ(c.rotation[1], -0.002);
  EXPECT_EQ(zed_calibration_resolutions(kMixedCase), std::vector<std::string>{"FHD1200"});
  EXPECT_EQ(zed_calibration_resolutions(std::string(
                R"([LEFT_CAM_2K]
[RIGHT_CAM_2K]
[LEFT_CAM_HD]
)")),
            std::vector<std::string>{"2K"});
}

TEST(StereoCalibration, IgnoresTheProcessLocale) {
  // A comma-decimal locale must not change how "735.5" is read (upstream's atof pitfall).
  const char* old = std::setlocale(LC_NUMERIC, nullptr);
  const std::string saved = old ? old : "C";
  if (std::setlocale(LC_NUMERIC, "de_DE.UTF-8") == nullptr && std::setlocale(LC_NUMERIC, "fr_FR.UTF-8") == nullptr)
    GTEST_SKIP() << "no comma-decimal locale installed to test against";
  const StereoCalibration c = parse_zed_calibration(kMixedCase, "fhd1200");
  std::setlocale(LC_NUMERIC, saved.c_str());
  EXPECT_DOUBLE_EQ(c.left.fx, 735.5);
}

// A C++ global locale whose decimal point is ',' (always available, unlike OS locales):
// parsing must not go through locale-aware streams either.
struct CommaDecimal : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
};

TEST(StereoCalibration, IgnoresTheGlobalCxxLocale) {
  const std::locale saved = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  StereoCalibration c;
  try {
    c = parse_zed_calibration(kMixedCase, "fhd1200");
  } catch (...) {
    std::locale::global(saved);
    throw;
  }
  std::locale::global(saved);
  EXPECT_DOUBLE_EQ(c.left.fx, 735.5);
  EXPECT_DOUBLE_EQ(c.left.distortion[2], 1e-4);
}

TEST(StereoCalibration, UnknownResolutionListsAvailable) {
  EXPECT_THROW_MSG(load_zed_calibration(fixture(), "SVGA"), std::invalid_argument, "available: 2K, FHD, HD, VGA");
}

// What is wrong with the file itself is a FormatError (CLI exit 3), not a bad request (exit 2).
TEST(StereoCalibration, BrokenFilesAreFormatErrors) {
  EXPECT_THROW_MSG(parse_zed_calibration("", "VGA", "empty.conf"), FormatError, "empty.conf: no camera sections");
  std::string half = kMixedCase;
  const auto right = half.find("[Right_Cam_FHD1200]");
  ASSERT_NE(right, std::string::npos);
  half.replace(right, 19, "[Right_Cam_OTHER]");
  EXPECT_THROW_MSG(parse_zed_calibration(half, "FHD1200", "half.conf"), FormatError,
                   "half.conf: missing section [RIGHT_CAM_FHD1200] beside [LEFT_CAM_FHD1200]");
  const std::string dir = test::temp_dir();
  EXPECT_THROW_MSG(load_zed_calibration(dir, "HD"), FormatError, dir + ": is a folder, expected a ZED calibration file");
}

TEST(StereoCalibration, ErrorsNameFileLineAndKey) {
  std::string text = kMixedCase;
  std::string bad = text;
  bad.replace(bad.find("Fy=735.25"), 9, "Fy=735,25");
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError,
                   "SN1.conf: line 4: [LEFT_CAM_FHD1200] Fy must be a finite number (with '.' as decimal point), got '735,25'");
  bad = text;
  bad.replace(bad.find("CY=604.5"), 8, "CY 604.5");
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError, "line 6: expected 'key = value'");
  bad = text;
  bad.erase(bad.find("k3=0.001"), 8);
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError,
                   "missing key 'k3' in section [RIGHT_CAM_FHD1200]");
  bad = text;
  bad.erase(bad.find("TZ_FHD1200=-1.5"), 15);
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError, "missing key 'tz_fhd1200'");
  bad = text;
  bad.replace(bad.find("[stereo]"), 8, "[stereo");
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError, "malformed section header");
  bad = text + "rz_FHD1200=1\n";
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError,
                   "line 29: duplicate key 'rz_FHD1200' in [STEREO] (first on line 28)");
  bad = text;
  bad.replace(bad.find("FX = 735.5"), 10, "FX = -735.5");
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError,
                   "line 3: [LEFT_CAM_FHD1200] FX must be in [1, 100000]");
  bad = text;
  bad.replace(bad.find("k1=-0.02"), 8, "k1=nan");
  EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError, "finite number");
  EXPECT_THROW_MSG(load_zed_calibration("/nonexistent/SN0.conf", "HD"), FormatError, "/nonexistent/SN0.conf");
}

// Issue 12, item 2: physically absurd values fail while parsing, naming the file, line, section,
// field and the accepted range, instead of rectifying into a black image.
TEST(StereoCalibration, ValuesOutsidePhysicalRangesAreRejected) {
  struct Row {
    std::string from, to, message;
  };
  const Row rows[] = {
      {"k1=-0.02", "k1=1e20", "line 7: [LEFT_CAM_FHD1200] k1 must be in [-10, 10] (radial distortion; fitted lenses stay "
                              "within +-1), got 1e+20"},
      {"k2=0.011", "k2=-10.5", "line 18: [RIGHT_CAM_FHD1200] k2 must be in [-10, 10]"},
      {"k3=0.001", "k3=inf", "[RIGHT_CAM_FHD1200] k3 must be a finite number"},
      {"P1=1e-4", "P1=2", "[LEFT_CAM_FHD1200] P1 must be in [-1, 1] (tangential distortion"},
      {"BASELINE=+120.5", "BASELINE=1e308", "line 23: [STEREO] BASELINE must be in [-10000, 10000] (millimetres; 10 m), "
                                            "got 1e+308"},
      {"BASELINE=+120.5", "BASELINE=0.2", "[STEREO] BASELINE must be at least 1 mm in magnitude"},
      {"ty_fhd1200=0.25", "ty_fhd1200=-20000", "[STEREO] ty_fhd1200 must be in [-10000, 10000]"},
      {"Cv_Fhd1200=-0.002", "Cv_Fhd1200=0.75", "[STEREO] Cv_Fhd1200 must be in [-0.5, 0.5] (radians"},
      {"FX = 735.5", "FX = 0.5", "[LEFT_CAM_FHD1200] FX must be in [1, 100000] (pixels"},
      {"fy=736.5", "fy=1e6", "[RIGHT_CAM_FHD1200] fy must be in [1, 100000]"},
      {"cx=951.75", "cx=1920.5", "[LEFT_CAM_FHD1200] cx must be in [0, 1920] (pixels; the principal point lies in the image)"},
      {"cy=598", "cy=-1", "[RIGHT_CAM_FHD1200] cy must be in [0, 1200]"},
  };
  for (const auto& r : rows) {
    std::string bad = kMixedCase;
    bad.replace(bad.find(r.from), r.from.size(), r.to);
    EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError, "SN1.conf: line ");
    EXPECT_THROW_MSG(parse_zed_calibration(bad, "FHD1200", "SN1.conf"), FormatError, r.message);
  }
  // The bounds themselves are accepted; a tag without a built-in size bounds cx by 32768.
  std::string edge = kMixedCase;
  for (auto [from, to] : {std::pair<std::string, std::string>{"k1=-0.02", "k1=-10"}, {"P1=1e-4", "P1=1"},
                          {"BASELINE=+120.5", "BASELINE=-1"}, {"Cv_Fhd1200=-0.002", "Cv_Fhd1200=0.5"},
                          {"cx=951.75", "cx=1920"}})
    edge.replace(edge.find(from), from.size(), to);
  EXPECT_NO_THROW(parse_zed_calibration(edge, "FHD1200", "SN1.conf"));
  std::string other = kMixedCase;
  for (const char* tag : {"fhd1200", "FHD1200", "Fhd1200"}) {
    for (auto pos = other.find(tag); pos != std::string::npos; pos = other.find(tag)) other.replace(pos, 7, "x99");
  }
  other.replace(other.find("cx=951.75"), 9, "cx=20000");
  EXPECT_EQ(parse_zed_calibration(other, "X99", "SN1.conf").left.cx, 20000);
}

TEST(StereoCalibration, ResolutionSizes) {
  EXPECT_EQ(zed_resolution_for_size(1280, 720), "HD");
  EXPECT_EQ(zed_resolution_for_size(2208, 1242), "2K");
  EXPECT_EQ(zed_resolution_for_size(960, 600), "SVGA");
  EXPECT_EQ(zed_resolution_size("vga"), std::make_pair(672, 376));
  EXPECT_FALSE(zed_resolution_size("HD2000").has_value());
  EXPECT_THROW_MSG(zed_resolution_for_size(640, 480), std::invalid_argument, "640x480 is not a known ZED resolution");
}

}  // namespace
}  // namespace robomlx::stereo
