// SPDX-License-Identifier: Apache-2.0
// PointCloud loading, statistics against plain double loops, and the preview renderer against
// hand-placed points (z-buffer occlusion, splat size, colours, empty and non-finite input).
#include <cmath>
#include <limits>
#include <random>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/core/point_cloud.h"
#include "support.h"

namespace robomlx {
namespace {

template <typename T>
std::vector<T> host(const mx::array& a) {
  auto c = mx::contiguous(a, false, mx::Device::cpu);
  mx::eval(c);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

PointCloud cloud_of(const std::vector<float>& xyz) {
  PointCloud c;
  c.positions = mx::array(xyz.data(), {int(xyz.size() / 3), 3}, mx::float32);
  return c;
}

// The nearest-other-point distance of point i, in double.
double nearest(const std::vector<float>& p, int i) {
  double best = std::numeric_limits<double>::infinity();
  int n = int(p.size() / 3);
  for (int j = 0; j < n; ++j) {
    if (j == i) continue;
    double d2 = 0;
    for (int k = 0; k < 3; ++k) d2 += std::pow(double(p[3 * i + k]) - p[3 * j + k], 2);
    best = std::min(best, d2);
  }
  return std::sqrt(best);
}

TEST(PointCloud, StatsMatchPlainLoops) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0, 1);
  const int n = 1500;
  std::vector<float> p(3 * n);
  for (int i = 0; i < n; ++i) {
    p[3 * i] = 100 + 2 * g(rng);  // far from the origin: catches naive accumulation
    p[3 * i + 1] = -3 + 0.5f * g(rng);
    p[3 * i + 2] = 0.01f * g(rng);
  }
  for (int samples : {n, 37}) {
    PointCloudStatsOptions opt;
    opt.spacing_samples = samples;
    auto s = compute_stats(cloud_of(p), opt);
    EXPECT_EQ(s.count, n);
    for (int k = 0; k < 3; ++k) {
      double sum = 0, lo = INFINITY, hi = -INFINITY;
      for (int i = 0; i < n; ++i) {
        sum += p[3 * i + k];
        lo = std::min(lo, double(p[3 * i + k]));
        hi = std::max(hi, double(p[3 * i + k]));
      }
      double mean = sum / n, var = 0;
      for (int i = 0; i < n; ++i) var += std::pow(p[3 * i + k] - mean, 2);
      double sd = std::sqrt(var / n);
      // float32 reductions: tolerance 1e-6 of the coordinate magnitude (plus the spread).
      double tol = 1e-6 * (std::fabs(mean) + sd);
      EXPECT_NEAR(s.centroid[k], mean, tol) << k;
      EXPECT_EQ(s.bbox_min[k], lo);
      EXPECT_EQ(s.bbox_max[k], hi);
      EXPECT_NEAR(s.std_dev[k], sd, 1e-4 * sd + tol) << k;
    }
    double spacing = 0;
    for (int i = 0; i < samples; ++i) spacing += nearest(p, int((std::int64_t(i) * n) / samples));
    spacing /= samples;
    EXPECT_EQ(s.spacing_samples, samples);
    // Squared differences of coordinates near 100 in float32: relative error ~1e-4 per distance.
    EXPECT_NEAR(s.mean_spacing, spacing, 1e-3 * spacing);
  }
}

TEST(PointCloud, StatsOfShippedDonutAndEdgeCases) {
  auto s = compute_stats(load_point_cloud(test::shared_dir() + "/data/splat/donut/fused.ply"));
  // Reference: a plain Python loop over struct-unpacked floats (double accumulation).
  EXPECT_EQ(s.count, 45624);
  EXPECT_EQ(s.bbox_min[0], double(-0.1031695231795311f));
  EXPECT_EQ(s.bbox_max[2], double(0.086201973259449f));
  EXPECT_NEAR(s.centroid[0], 0.004323716285407262, 1e-6);
  EXPECT_NEAR(s.centroid[2], 0.05114705633187489, 1e-6);
  EXPECT_NEAR(s.std_dev[1], 0.05717483409171757, 1e-6);
  EXPECT_GT(s.mean_spacing, 0.0001);
  EXPECT_LT(s.mean_spacing, 0.01);

  auto empty = compute_stats(PointCloud{});
  EXPECT_EQ(empty.count, 0);
  EXPECT_TRUE(std::isnan(empty.centroid[0]) && std::isnan(empty.mean_spacing));
  EXPECT_NE(empty.to_json().find("\"centroid\": [\n    null"), std::string::npos) << empty.to_json();
  auto one = compute_stats(cloud_of({1, 2, 3}));
  EXPECT_EQ(one.centroid[1], 2.0);
  EXPECT_EQ(one.std_dev[2], 0.0);
  EXPECT_EQ(one.spacing_samples, 0);
  PointCloudStatsOptions bad;
  bad.spacing_samples = -1;
  EXPECT_THROW_MSG(compute_stats(cloud_of({1, 2, 3}), bad), std::invalid_argument,
                   "[core.point_cloud] spacing_samples must be in [0, 1e+06], got -1");
  PointCloud wrong;
  wrong.positions = mx::zeros({4, 2});
  EXPECT_THROW_MSG(compute_stats(wrong), std::invalid_argument, "[core.point_cloud] positions must have shape [*, 3], got [4, 2]");
}

TEST(PointCloud, LoadsGaussianColoursAndNpyPairs) {
  auto ply = read_ply(test::shared_dir() + "/data/splat/donut/fused.ply");
  auto cloud = point_cloud_from_ply(ply);
  ASSERT_TRUE(cloud.colors.has_value());
  auto rgb = host<std::uint8_t>(*cloud.colors);
  auto dc = host<float>(ply.sh_dc());
  for (int i = 0; i < 300; ++i) {
    double want = std::round(std::clamp(0.5 + 0.28209479177387814 * dc[i], 0.0, 1.0) * 255);
    EXPECT_NEAR(double(rgb[i]), want, 1.0) << i;  // float32 vs double rounding at .5
  }
  EXPECT_EQ(rgb[0], 137);  // f_dc_0 = 0.12749 -> 0.53597 * 255 = 136.67

  std::string dir = test::shared_dir() + "/data/splat/garden-points/";
  auto garden = load_point_cloud(dir + "means3d.npy", dir + "colors.npy");
  EXPECT_EQ(garden.size(), 138766);
  EXPECT_EQ(host<std::uint8_t>(mx::slice(*garden.colors, {0, 0}, {1, 3})), (std::vector<std::uint8_t>{20, 35, 5}));
  EXPECT_THROW_MSG(load_point_cloud(dir + "means3d.npy", dir + "Ks.npy"), FormatError,
                   "Ks.npy: colors must be an [138766, 3] uint8 array (one row per position), got shape [3, 3, 3] float32");
  EXPECT_THROW_MSG(load_point_cloud(dir + "colors.npy"), FormatError,
                   "colors.npy: positions must be an [N, 3] float32 or float64 array, got shape [138766, 3] uint8");
  EXPECT_THROW_MSG(load_point_cloud(dir + "x.xyz"), std::invalid_argument, "input must be a .ply or .npy file");
  auto noxyz = test::temp_dir() + "/c.ply";
  PlyData only_red;
  only_red.set("red", mx::array({1, 2}, mx::uint8));
  write_ply(noxyz, only_red);
  EXPECT_THROW_MSG(load_point_cloud(noxyz), FormatError,
                   "c.ply: vertex property 'x' is missing (a point cloud needs x, y, z; the file has: red)");
}

TEST(PointCloud, PreviewKeepsTheNearestPointPerPixel) {
  // Top view of an 11 x 11 image: the unit square maps onto pixel centres 0..10.
  PointCloud c = cloud_of({0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, -1});
  c.colors = mx::array({255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255}, {4, 3}, mx::uint8);
  PreviewOptions opt;
  opt.width = opt.height = 11;
  opt.margin = 0;
  opt.point_size = 1;
  opt.view = PreviewView::Top;
  Image im = render_preview(c, opt);
  ASSERT_EQ(im.height, 11);
  ASSERT_EQ(im.channels, 3);
  auto px = [&](int y, int x) {
    return std::vector<int>{im.at<std::uint8_t>(y, x, 0), im.at<std::uint8_t>(y, x, 1), im.at<std::uint8_t>(y, x, 2)};
  };
  const std::vector<int> bg{18, 18, 24};
  for (int y = 0; y < 11; ++y) {
    for (int x = 0; x < 11; ++x) {
      std::vector<int> want = bg;
      if (y == 10 && x == 0) want = {255, 0, 0};  // z = 0 hides the white point at z = -1
      if (y == 10 && x == 10) want = {0, 255, 0};
      if (y == 0 && x == 0) want = {0, 0, 255};
      EXPECT_EQ(px(y, x), want) << y << "," << x;
    }
  }
  // Front view: red (y = 0) is in front of blue (y = 1) at the same (x, z).
  opt.view = PreviewView::Front;
  Image front = render_preview(c, opt);
  EXPECT_EQ(front.at<std::uint8_t>(0, 0, 0), 255);
  EXPECT_EQ(front.at<std::uint8_t>(0, 0, 2), 0);
  // Without colours: the nearest point gets the depth ramp's near end.
  c.colors.reset();
  opt.view = PreviewView::Top;
  Image ramp = render_preview(c, opt);
  EXPECT_EQ(std::vector<int>({ramp.at<std::uint8_t>(10, 0, 0), ramp.at<std::uint8_t>(10, 0, 1), ramp.at<std::uint8_t>(10, 0, 2)}),
            (std::vector<int>{255, 210, 80}));
}

TEST(PointCloud, PreviewSplatsSkipsNonFiniteAndValidates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  PointCloud c = cloud_of({0, 0, 0, nan, 1, 1});
  PreviewOptions opt;
  opt.width = opt.height = 9;
  opt.point_size = 3;
  opt.margin = 0;
  Image im = render_preview(c, opt);
  int lit = 0;
  for (int y = 0; y < 9; ++y) {
    for (int x = 0; x < 9; ++x) {
      bool on = im.at<std::uint8_t>(y, x, 0) != 18;
      lit += on;
      if (on) {
        EXPECT_TRUE(std::abs(y - 4) <= 1 && std::abs(x - 4) <= 1) << y << "," << x;
      }
    }
  }
  EXPECT_EQ(lit, 9);  // one finite point, a 3 x 3 splat at the centre
  Image empty = render_preview(PointCloud{}, opt);
  EXPECT_EQ(empty.at<std::uint8_t>(4, 4, 2), 24);
  opt.width = 0;
  EXPECT_THROW_MSG(render_preview(c, opt), std::invalid_argument, "[core.point_cloud] width must be in [1, 16384], got 0");
  EXPECT_THROW_MSG(parse_preview_view("iso"), std::invalid_argument, "view must be auto, top, front or side, got 'iso'");
}

}  // namespace
}  // namespace robomlx
