// SPDX-License-Identifier: Apache-2.0
// evaluate_disparity and the scanline fill rule on hand-computed maps.
#include <mlx/ops.h>

#include "robomlx/core/error.h"
#include "robomlx/stereo/metrics.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

TEST(StereoMetrics, FillTakesNearestValidOnScanline) {
  // Row 0: gaps at both ends and a tie in the middle (background = smaller wins).
  // Row 1: no valid pixel stays invalid.
  std::vector<float> d = {-1, 5, -1, 9, -1, -1, -1, -1, -1, -1};
  auto f = fill_invalid_scanline(mx::array(d.data(), {2, 5}));
  std::vector<float> want = {5, 5, 5, 9, 9, -1, -1, -1, -1, -1};
  EXPECT_CLOSE(exactly_equal(f, mx::array(want.data(), {2, 5})));
}

TEST(StereoMetrics, ScoresHandCase) {
  // 1 x 6: gt 10 everywhere except an unknown (0) pixel; mask drops the last pixel.
  std::vector<float> gt = {10, 10, 10, 10, 0, 10};
  std::vector<float> d = {10.5f, 11.5f, 13, -1, 3, 10};
  std::vector<float> m = {255, 255, 255, 255, 255, 0};
  auto s = evaluate_disparity(mx::array(d.data(), {1, 6}), mx::array(gt.data(), {1, 6}), mx::array(m.data(), {1, 6}));
  EXPECT_EQ(s.evaluated, 4);
  EXPECT_DOUBLE_EQ(s.density, 75.0);
  EXPECT_DOUBLE_EQ(s.bad1, 75.0);  // 11.5, 13, invalid
  EXPECT_DOUBLE_EQ(s.bad2, 50.0);  // 13, invalid
  // Filled: pixel 3 is at distance 1 from 13 (left) and from 3 (right): takes the smaller, 3.
  EXPECT_DOUBLE_EQ(s.bad2_filled, 50.0);
  EXPECT_DOUBLE_EQ(s.bad1_filled, 75.0);
  EXPECT_NEAR(s.avg_error, (0.5 + 1.5 + 3) / 3, 1e-12);
  EXPECT_NEAR(s.avg_error_filled, (0.5 + 1.5 + 3 + 7) / 4, 1e-12);
}

TEST(StereoMetrics, RejectsShapeMismatch) {
  auto a = mx::zeros({4, 5});
  EXPECT_THROW_MSG(evaluate_disparity(a, mx::zeros({4, 6}), a), std::invalid_argument, "[stereo.eval] gt");
  EXPECT_THROW_MSG(evaluate_disparity(a, a, mx::zeros({5})), std::invalid_argument, "[stereo.eval] mask");
}

// Issue 12, item 4: info.txt numbers are parsed with their ranges (no cast of 3e9 into an int),
// and every problem names the file and the field.
TEST(StereoMetrics, SceneInfoIsRangeChecked) {
  const SceneInfo t = parse_scene_info("16\n15\n", "info.txt");
  EXPECT_EQ(t.scale, 16);
  EXPECT_EQ(t.max_disparity, 15);
  EXPECT_EQ(parse_scene_info(" 4 59", "i").max_disparity, 59);
  const std::pair<std::string, std::string> rows[] = {
      {"4\n3000000000\n", "info.txt: max disparity must be an integer in [1, 1024] (the matcher's disparity range), "
                           "got '3000000000'"},
      {"4\n1e300\n", "max disparity must be an integer in [1, 1024] (the matcher's disparity range), got '1e300'"},
      {"4\n59.5\n", "got '59.5'"},
      {"4\n0\n", "got '0'"},
      {"4\n1025\n", "got '1025'"},
      {"4\n-3\n", "got '-3'"},
      {"1e300\n59\n", "info.txt: scale must be in [1, 255] (the ground truth is an 8-bit PNG of disparity x scale), got 1e+300"},
      {"0.5\n59\n", "scale must be in [1, 255]"},
      {"nan\n59\n", "scale must be a finite number, got 'nan'"},
      {"", "expected exactly two numbers (ground-truth scale, max disparity), got 0"},
      {"4", "got 1"},
      {"4 59 7", "got more"},
      {std::string("4\n59\0", 5), "max disparity must be an integer"},
  };
  for (const auto& [text, message] : rows) EXPECT_THROW_MSG(parse_scene_info(text, "info.txt"), FormatError, message);
  EXPECT_THROW_MSG(read_scene_info("/nonexistent/info.txt"), FormatError, "/nonexistent/info.txt: cannot open file");
}

}  // namespace
}  // namespace robomlx::stereo
