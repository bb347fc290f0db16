// SPDX-License-Identifier: Apache-2.0
// SGM default options on the Middlebury 2001/2003 pairs (shared/data/stereo/middlebury-v2).
//
// Rule ("filled", as OpenCV users commonly report SGBM): bad-2.0 = % of nonocc-mask pixels with
// |d - gt| > 2 px after each invalid pixel takes the nearest valid disparity on its scanline
// (ties to the smaller, background disparity; fill_invalid_scanline). Density (valid before
// filling) and the unfilled bad-2.0 (invalid = error) are checked too. num_disparities = the
// scene's max disparity from info.txt rounded up to a multiple of 16 (the same range OpenCV
// SGBM gets in bench/stereo). Images are converted to grey as 0.299 R + 0.587 G + 0.114 B,
// rounded.
//
// Reference: OpenCV 4.6 StereoSGBM MODE_SGBM_3WAY, block 5, P1 = 8*25, P2 = 32*25, uniqueness 10,
// speckle 100/32, disp12MaxDiff 1, scored by the same rule: tsukuba 2.78, venus 0.90, teddy 7.34,
// cones 5.63, mean 4.16 (4.52 in the project brief with its own settings).
// Measured with the defaults here (CPU twin = portable): tsukuba 3.39, venus 1.08, teddy 5.05,
// cones 3.77, mean 3.32 (density 94.7 / 98.3 / 94.7 / 96.6 %).
#include <cmath>
#include <fstream>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/io/png.h"
#include "robomlx/stereo/metrics.h"
#include "robomlx/stereo/sgm.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

mx::array grey(const Image& im) {
  auto a = mx::astype(im.to_array(), mx::float32);
  if (im.channels == 1) return mx::reshape(a, {im.height, im.width});
  auto w = mx::array({0.299f, 0.587f, 0.114f});
  return mx::round(mx::sum(mx::multiply(mx::slice(a, {0, 0, 0}, {im.height, im.width, 3}), w), -1));
}

struct Scene {
  const char* name;
  double max_bad2_filled;  // measured value + margin
};

StereoScores run_scene(const std::string& name) {
  const std::string dir = test::shared_dir() + "/data/stereo/middlebury-v2/" + name + "/";
  std::ifstream info(dir + "info.txt");
  int scale = 0, max_d = 0;
  info >> scale >> max_d;
  EXPECT_GT(scale, 0) << dir;
  SgmOptions o;
  o.num_disparities = (max_d + 15) / 16 * 16;
  auto r = compute_disparity(grey(read_png(dir + "imL.png")), grey(read_png(dir + "imR.png")), o);
  auto gt = mx::divide(grey(read_png(dir + "groundtruth.png")), mx::array(float(scale)));
  return evaluate_disparity(r.disparity, gt, grey(read_png(dir + "nonocc.png")));
}

TEST(SgmQuality, MiddleburyBad2BeatsOpenCvSgbm) {
  const Scene scenes[] = {{"tsukuba", 4.0}, {"venus", 1.6}, {"teddy", 6.0}, {"cones", 4.6}};
  double total = 0;
  for (const auto& s : scenes) {
    auto sc = run_scene(s.name);
    std::printf("[stereo.quality] %-8s bad2 filled %.2f%%  bad2 %.2f%%  bad1 filled %.2f%%  density %.1f%%\n", s.name,
                sc.bad2_filled, sc.bad2, sc.bad1_filled, sc.density);
    EXPECT_LT(sc.bad2_filled, s.max_bad2_filled) << s.name;
    EXPECT_GT(sc.density, 90.0) << s.name;
    EXPECT_LT(sc.bad2, 2.0 * s.max_bad2_filled + 3.0) << s.name;
    total += sc.bad2_filled;
  }
  EXPECT_LT(total / 4, 4.0);  // OpenCV SGBM_3WAY: 4.16 by this rule
}

}  // namespace
}  // namespace robomlx::stereo
