// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/disparity_to_depth.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include <mlx/mlx.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/disparity_to_points.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

namespace mx = mlx::core;

// Disparities with invalid (-1), zero, NaN, inf and a spread of valid values.
std::vector<float> sample_disparities(int n) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.05f, 200.0f);
  std::vector<float> d(n);
  for (auto& v : d) v = u(rng);
  d[0] = -1;
  d[1] = 0;
  d[2] = std::numeric_limits<float>::quiet_NaN();
  d[3] = std::numeric_limits<float>::infinity();
  d[4] = 0.001f;
  return d;
}

TEST(StereoDepth, FormulaAgainstLoop) {
  const int h = 7, w = 9;
  const auto d = sample_disparities(h * w);
  const double f = 530.9, b = 119.965;
  for (DepthUnit unit : {DepthUnit::millimetre, DepthUnit::metre}) {
    std::vector<float> expect(d.size());
    for (std::size_t i = 0; i < d.size(); ++i)
      expect[i] = (d[i] > 0 && std::isfinite(d[i])) ? float(f * b / d[i] * (unit == DepthUnit::metre ? 1e-3 : 1)) : 0.0f;
    const mx::array got = disparity_to_depth(mx::array(d.data(), {h, w}, mx::float32), f, b, unit);
    EXPECT_CLOSE(allclose_scaled(got, mx::array(expect.data(), {h, w}, mx::float32), 1e-6));
  }
  EXPECT_FLOAT_EQ(disparity_to_depth(mx::full({1, 1}, 10.0f), 500, 120).item<float>(), 6000.0f);
  EXPECT_THROW_MSG(disparity_to_depth(mx::zeros({2, 2}), 0, 120), std::invalid_argument, "focal_px");
  EXPECT_THROW_MSG(disparity_to_depth(mx::zeros({2, 2}, mx::int32), 1, 120), std::invalid_argument, "disparity");
}

TEST(StereoDepth, Mm16Convention) {
  std::vector<float> depth = {0, 1499.6f, 65535.2f, 70000, -5, std::numeric_limits<float>::infinity()};
  const mx::array got = depth_to_mm16(mx::array(depth.data(), {2, 3}, mx::float32));
  std::vector<std::uint16_t> expect = {0, 1500, 65535, 0, 0, 0};
  EXPECT_CLOSE(exactly_equal(got, mx::array(expect.data(), {2, 3}, mx::uint16)));
}

TEST(StereoDisparityFiles, KittiRoundTrip) {
  const auto d = sample_disparities(6 * 5);
  const mx::array disp(d.data(), {6, 5}, mx::float32);
  const std::string path = test::temp_dir() + "/d.png";
  write_disparity(path, disp);
  const mx::array back = read_kitti_disparity(path);
  mx::eval(back);
  const float* b = back.data<float>();
  for (std::size_t i = 0; i < d.size(); ++i) {
    const bool valid = d[i] > 0 && std::isfinite(d[i]) && d[i] * 256 <= 65535;
    if (valid) {
      // Quantised to 1/256 px; below that the smallest code (1) keeps the pixel valid.
      EXPECT_NEAR(b[i], std::max(d[i], 1.0f / 256), 1.0 / 512 + 1e-6) << i;
    } else {
      EXPECT_EQ(b[i], -1.0f) << i;
    }
  }
  // A tiny positive disparity stays valid (value 1), not 0 = invalid.
  EXPECT_EQ(disparity_to_kitti(mx::full({1, 1}, 0.001f)).item<std::uint16_t>(), 1);
  EXPECT_EQ(disparity_to_kitti(mx::full({1, 1}, 12.5f)).item<std::uint16_t>(), 3200);
}

TEST(StereoDisparityFiles, PfmRoundTripAndLayout) {
  const auto d = sample_disparities(4 * 3);
  const mx::array disp(d.data(), {4, 3}, mx::float32);
  const std::string path = test::temp_dir() + "/d.PFM";
  write_disparity(path, disp);
  std::ifstream in(path, std::ios::binary);
  std::string header((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(header.substr(0, 12), "Pf\n3 4\n-1.0\n");
  ASSERT_EQ(header.size(), 12 + 4 * 3 * 4u);
  // Bottom row first: the first stored float is pixel (3, 0).
  float first = 0;
  std::memcpy(&first, header.data() + 12, 4);
  EXPECT_EQ(first, d[9]);
  const mx::array back = read_pfm(path);
  mx::eval(back);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const float expect = (d[i] >= 0 && std::isfinite(d[i])) ? d[i] : -1.0f;
    EXPECT_EQ(back.data<float>()[i], expect) << i;
  }
  const std::string bad = test::temp_dir() + "/bad.pfm";
  std::ofstream(bad) << "Pf\n3 4\n-1.0\nxx";
  EXPECT_THROW_MSG(read_pfm(bad), FormatError, "payload is shorter");
  std::ofstream(bad) << "PF\n3 4\n-1.0\n";
  EXPECT_THROW_MSG(read_pfm(bad), FormatError, "one channel");
}

TEST(StereoPointCloud, QReprojectionAgainstLoop) {
  const int h = 5, w = 6;
  auto d = sample_disparities(h * w);
  RectifiedGeometry g;
  g.focal_px = 700;
  g.cx = 2.5;
  g.cy = 1.75;
  g.baseline_mm = 120;
  const mx::array pts = disparity_to_points(mx::array(d.data(), {h, w}, mx::float32), g);
  mx::eval(pts);
  const auto q = g.q();
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float di = d[y * w + x];
      const float* p = pts.data<float>() + (y * w + x) * 3;
      if (!(di > 0 && std::isfinite(di))) {
        EXPECT_TRUE(std::isnan(p[2])) << y << "," << x;
        continue;
      }
      const double z = 700.0 * 120 / di;
      EXPECT_NEAR(p[2], z, 1e-5 * z);
      EXPECT_NEAR(p[0], (x - 2.5) * z / 700, 1e-5 * z);
      EXPECT_NEAR(p[1], (y - 1.75) * z / 700, 1e-5 * z);
      // The same through the 4x4 Q matrix.
      const double v[4] = {double(x), double(y), double(di), 1};
      double out[4] = {0, 0, 0, 0};
      for (int r = 0; r < 4; ++r)
        for (int k = 0; k < 4; ++k) out[r] += q[4 * r + k] * v[k];
      EXPECT_NEAR(p[2], out[2] / out[3], 1e-5 * z);
    }
  }
}

TEST(StereoPointCloud, ClipsColoursAndWritesPly) {
  std::vector<float> d = {10, -1, 20, 1, 40, 0};
  RectifiedGeometry g{100, 1, 0.5, 100};
  std::vector<std::uint8_t> grey = {1, 2, 3, 4, 5, 6};
  // Z = 1000, -, 500, 10000, 250, -; keep 300 <= Z <= 5000.
  const PointCloud cloud =
      make_point_cloud(mx::array(d.data(), {2, 3}, mx::float32), mx::array(grey.data(), {2, 3}, mx::uint8), g, 300, 5000);
  ASSERT_EQ(cloud.size(), 2u);
  EXPECT_FLOAT_EQ(cloud.xyz[2], 1000.0f);
  EXPECT_FLOAT_EQ(cloud.xyz[5], 500.0f);
  EXPECT_EQ(cloud.rgb[0], 1);
  EXPECT_EQ(cloud.rgb[3], 3);
  EXPECT_EQ(cloud.rgb[5], 3);
  const std::string path = test::temp_dir() + "/c.ply";
  write_ply(path, cloud);
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  const auto end = all.find("end_header\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_NE(all.find("element vertex 2\n"), std::string::npos);
  EXPECT_EQ(all.size() - (end + 11), 2 * 15u);
  float z0 = 0;
  std::memcpy(&z0, all.data() + end + 11 + 8, 4);
  EXPECT_FLOAT_EQ(z0, 1000.0f);
  // Read back with the core PLY reader.
  const PlyData ply = read_ply(path);
  EXPECT_CLOSE(exactly_equal(ply.positions(), mx::array(cloud.xyz.data(), {2, 3}, mx::float32)));
  EXPECT_CLOSE(exactly_equal(*ply.colors(), mx::array(cloud.rgb.data(), {2, 3}, mx::uint8)));
}

TEST(StereoColorize, InvalidIsBlackAndRangeIsOrdered) {
  std::vector<float> d = {-1, 0, 32, 64};
  const mx::array rgb = colorize_disparity(mx::array(d.data(), {1, 4}, mx::float32), 0, 64);
  mx::eval(rgb);
  const std::uint8_t* p = rgb.data<std::uint8_t>();
  EXPECT_EQ(p[0] + p[1] + p[2], 0);
  EXPECT_GT(p[5], p[3]);      // low disparity (far): blue dominates red
  EXPECT_GT(p[9], p[11]);     // high disparity (near): red dominates blue
  EXPECT_EQ(rgb.shape(), (mx::Shape{1, 4, 3}));
}

}  // namespace
}  // namespace robomlx::stereo
