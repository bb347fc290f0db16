// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cmath>

#include "robomlx/depth/block.h"
#include "robomlx/depth/frame.h"
#include "support.h"

namespace robomlx::depth {
namespace {

TEST(Frame, DistortionNames) {
  EXPECT_EQ(parse_distortion("Brown Conrady"), Distortion::brown_conrady);
  EXPECT_EQ(parse_distortion("Inverse Brown Conrady"), Distortion::inverse_brown_conrady);
  EXPECT_EQ(parse_distortion("kannala_brandt4"), Distortion::kannala_brandt4);
  EXPECT_EQ(parse_distortion("ftheta"), Distortion::ftheta);
  EXPECT_THROW_MSG(parse_distortion("fisheye"), std::invalid_argument, "got 'fisheye'");
  EXPECT_STREQ(to_string(Distortion::modified_brown_conrady), "modified_brown_conrady");
}

TEST(Frame, IntrinsicsValidation) {
  Intrinsics in;
  in.width = 4, in.height = 4, in.fx = 0, in.fy = 1;
  EXPECT_THROW_MSG(in.validate("pointcloud"), std::invalid_argument,
                   "[depth.pointcloud] intrinsics.fx must be finite and > 0, got 0");
  in.fx = 1, in.ppx = NAN;
  EXPECT_THROW_MSG(in.validate("x"), std::invalid_argument, "intrinsics.ppx must be finite, got nan");
  in.ppx = 0, in.coeffs[2] = INFINITY;
  EXPECT_THROW_MSG(in.validate("x"), std::invalid_argument, "intrinsics.coeffs[2] must be finite");
}

TEST(Frame, ExtrinsicsInverse) {
  Extrinsics e;
  const float c = std::cos(0.3f), s = std::sin(0.3f);
  e.rotation = {c, s, 0, -s, c, 0, 0, 0, 1};  // column major rotation about z
  e.translation = {0.1f, -0.2f, 0.05f};
  const auto inv = e.inverse();
  // inv(e(p)) == p for p = (1, 2, 3).
  const float p[3] = {1, 2, 3};
  float q[3], r[3];
  for (int i = 0; i < 3; ++i) q[i] = e.rotation[i] * p[0] + e.rotation[3 + i] * p[1] + e.rotation[6 + i] * p[2] + e.translation[i];
  for (int i = 0; i < 3; ++i) r[i] = inv.rotation[i] * q[0] + inv.rotation[3 + i] * q[1] + inv.rotation[6 + i] * q[2] + inv.translation[i];
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(r[i], p[i], 1e-6);
}

TEST(Frame, RegistryListsThisBuildsBlocks) {
  const auto names = block_names();
  for (const char* n : {"decimation", "threshold", "depth2disparity", "disparity2depth", "units", "colorizer", "spatial",
                        "temporal", "hole_filling"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    EXPECT_EQ(make_block(n)->name(), n);
  }
}

}  // namespace
}  // namespace robomlx::depth
