// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/rectify.h"

#include <cmath>
#include <cstring>
#include <random>

#include <mlx/mlx.h>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/video.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

namespace mx = mlx::core;

StereoCalibration hd_calibration() {
  return load_zed_calibration(test::source_dir() + "/tests/data/stereo/SN12345.conf", "HD");
}

cv::Mat to_mat_u8(const mx::array& a) {
  mx::array c = mx::contiguous(a);
  mx::eval(c);
  const int ch = c.ndim() == 3 ? c.shape(2) : 1;
  return cv::Mat(c.shape(0), c.shape(1), CV_8UC(ch), const_cast<std::uint8_t*>(c.data<std::uint8_t>())).clone();
}

mx::array from_mat_u8(const cv::Mat& m) {
  std::vector<std::uint8_t> v(m.total() * m.channels());
  for (int y = 0; y < m.rows; ++y) std::memcpy(v.data() + y * m.cols * m.channels(), m.ptr(y), m.cols * m.channels());
  if (m.channels() == 1) return mx::array(v.begin(), {m.rows, m.cols}, mx::uint8);
  return mx::array(v.begin(), {m.rows, m.cols, m.channels()}, mx::uint8);
}

// Smooth random texture (blurred noise) so bilinear sampling is meaningful.
cv::Mat texture(int h, int w, int type, unsigned seed) {
  cv::Mat noise(h, w, CV_32FC(CV_MAT_CN(type)));
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 2.0);
  cv::normalize(noise, noise, 0, 255, cv::NORM_MINMAX);
  cv::Mat out;
  noise.convertTo(out, type);
  return out;
}

// Bilinear interpolation of a [H, W, 2] map at a sub-pixel position (host reference).
cv::Point2d sample_map(const mx::array& map, double x, double y) {
  const float* m = map.data<float>();
  const int w = map.shape(1);
  const int x0 = int(std::floor(x)), y0 = int(std::floor(y));
  const double ax = x - x0, ay = y - y0;
  auto at = [&](int yy, int xx, int c) { return double(m[(std::size_t(yy) * w + xx) * 2 + c]); };
  cv::Point2d p;
  for (int c = 0; c < 2; ++c) {
    const double v = (1 - ay) * ((1 - ax) * at(y0, x0, c) + ax * at(y0, x0 + 1, c)) +
                     ay * ((1 - ax) * at(y0 + 1, x0, c) + ax * at(y0 + 1, x0 + 1, c));
    (c == 0 ? p.x : p.y) = v;
  }
  return p;
}

TEST(StereoRectify, MapsSendRectifiedPointsToTheirRawProjections) {
  const StereoCalibration c = hd_calibration();
  const Rectification rect = compute_rectification(c, 1280, 720);
  mx::eval(rect.left_map, rect.right_map);
  ASSERT_EQ(rect.left_map.shape(), (mx::Shape{720, 1280, 2}));
  const RectifiedGeometry& g = rect.geometry;
  EXPECT_NEAR(g.baseline_mm, std::hypot(119.965, 0.132, 0.4015), 1e-6);
  EXPECT_DOUBLE_EQ(rect.p1[2], rect.p2[2]);  // CALIB_ZERO_DISPARITY: equal principal points

  // Independent path: project scene points into the raw (distorted) images with projectPoints,
  // and into the rectified images with R_i and P_i; the maps must link the two.
  const cv::Mat k1 = (cv::Mat_<double>(3, 3) << c.left.fx, 0, c.left.cx, 0, c.left.fy, c.left.cy, 0, 0, 1);
  const cv::Mat k2 = (cv::Mat_<double>(3, 3) << c.right.fx, 0, c.right.cx, 0, c.right.fy, c.right.cy, 0, 0, 1);
  const cv::Mat rvec = (cv::Mat_<double>(3, 1) << c.rotation[0], c.rotation[1], c.rotation[2]);
  const cv::Mat tvec = (cv::Mat_<double>(3, 1) << c.translation_mm[0], c.translation_mm[1], c.translation_mm[2]);
  const cv::Mat r1(3, 3, CV_64F, const_cast<double*>(rect.r1.data()));
  const cv::Mat r2(3, 3, CV_64F, const_cast<double*>(rect.r2.data()));
  cv::Mat r;
  cv::Rodrigues(rvec, r);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> ux(-900, 900), uy(-500, 500), uz(1500, 4000);
  int checked = 0;
  for (int i = 0; i < 200; ++i) {
    const cv::Point3d p(ux(rng), uy(rng), uz(rng));
    std::vector<cv::Point2d> raw_l, raw_r;
    cv::projectPoints(std::vector<cv::Point3d>{p}, cv::Mat::zeros(3, 1, CV_64F), cv::Mat::zeros(3, 1, CV_64F), k1,
                      cv::Mat(c.left.distortion), raw_l);
    cv::projectPoints(std::vector<cv::Point3d>{p}, rvec, tvec, k2, cv::Mat(c.right.distortion), raw_r);
    const cv::Mat pl = r1 * cv::Mat(cv::Vec3d(p.x, p.y, p.z));
    const cv::Mat pr = r2 * (r * cv::Mat(cv::Vec3d(p.x, p.y, p.z)) + tvec);
    const double xl = g.focal_px * pl.at<double>(0) / pl.at<double>(2) + g.cx;
    const double yl = g.focal_px * pl.at<double>(1) / pl.at<double>(2) + g.cy;
    const double xr = g.focal_px * pr.at<double>(0) / pr.at<double>(2) + g.cx;
    const double yr = g.focal_px * pr.at<double>(1) / pr.at<double>(2) + g.cy;
    if (xl < 1 || xl > 1278 || yl < 1 || yl > 718 || xr < 1 || xr > 1278 || yr < 1 || yr > 718) continue;
    ++checked;
    EXPECT_NEAR(yl, yr, 1e-6) << "rectified rows differ";
    // ZED's positive baseline puts the right eye at -x in OpenCV terms, so |x_l - x_r| = f B / Z.
    EXPECT_NEAR(std::abs(xl - xr), g.focal_px * g.baseline_mm / pl.at<double>(2), 1e-6 * xl);
    const cv::Point2d ml = sample_map(rect.left_map, xl, yl), mr = sample_map(rect.right_map, xr, yr);
    EXPECT_NEAR(ml.x, raw_l[0].x, 0.02);
    EXPECT_NEAR(ml.y, raw_l[0].y, 0.02);
    EXPECT_NEAR(mr.x, raw_r[0].x, 0.02);
    EXPECT_NEAR(mr.y, raw_r[0].y, 0.02);
  }
  EXPECT_GT(checked, 100);
}

TEST(StereoRectify, SizeMustMatchTheResolution) {
  EXPECT_THROW_MSG(compute_rectification(hd_calibration(), 1920, 1080), std::invalid_argument,
                   "does not match the calibration's resolution HD");
  const Rectification rect = compute_rectification(hd_calibration(), 1280, 720);
  EXPECT_THROW_MSG(rectify_pair(rect, mx::zeros({720, 1200}, mx::uint8), mx::zeros({720, 1280}, mx::uint8)),
                   std::invalid_argument, "left image must be 1280x720");
}

// One remap implementation forced ("stereo.remap"), run on its stream, checked to have run.
class StereoRemapImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "stereo.remap"; }
};
class StereoRemapTwin : public StereoRemapImpl {};

TEST_P(StereoRemapImpl, MatchesOpenCvRemapWithinCoordinateQuantisation) {
  const Rectification rect = compute_rectification(hd_calibration(), 1280, 720);
  for (int type : {CV_8UC1, CV_8UC3, CV_32FC1}) {
    const cv::Mat img = texture(720, 1280, type, 11);
    mx::array map = rect.right_map;
    mx::eval(map);
    cv::Mat mapx(720, 1280, CV_32F), mapy(720, 1280, CV_32F);
    const float* m = map.data<float>();
    for (int i = 0; i < 720 * 1280; ++i) {
      mapx.at<float>(i / 1280, i % 1280) = m[2 * i];
      mapy.at<float>(i / 1280, i % 1280) = m[2 * i + 1];
    }
    cv::Mat ref;
    cv::remap(img, ref, mapx, mapy, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    mx::array input = type == CV_32FC1 ? mx::array(img.ptr<float>(), {720, 1280}, mx::float32) : from_mat_u8(img);
    mx::array out = remap_bilinear(input, map, stream());
    mx::eval(out);
    cv::Mat fimg, fout, fref;
    img.convertTo(fimg, CV_32F);
    // cv::remap rounds coordinates to 1/32 px (error <= 1/64 px per axis), so the two may differ
    // by about (|d/dx| + |d/dy|) / 64; the central differences below are twice that per pixel,
    // hence max_grad / 32 keeps a factor-2 margin. Plus 1 level of uint8 rounding.
    double max_grad = 0;
    {
      cv::Mat dx, dy;
      cv::Sobel(fimg, dx, CV_32F, 1, 0, 1);
      cv::Sobel(fimg, dy, CV_32F, 0, 1, 1);
      cv::Mat mag = cv::abs(dx) + cv::abs(dy);
      cv::minMaxLoc(mag.reshape(1), nullptr, &max_grad);
    }
    const double tol = max_grad / 32.0 + (type == CV_32FC1 ? 1e-3 : 1.0);
    const cv::Mat got = type == CV_32FC1 ? cv::Mat(720, 1280, CV_32F, const_cast<float*>(out.data<float>())).clone()
                                         : to_mat_u8(out);
    got.convertTo(fout, CV_32F);
    ref.convertTo(fref, CV_32F);
    double worst = 0;
    cv::Mat absdiff = cv::abs(fout - fref);
    cv::minMaxLoc(absdiff.reshape(1), nullptr, &worst);
    EXPECT_LE(worst, tol) << "type " << type << " max gradient " << max_grad;
    EXPECT_GT(max_grad, 4.0);  // the texture is not flat, so the bound is not vacuous
  }
}

TEST_P(StereoRemapImpl, ExactBilinearAgainstLoopAndBorders) {
  // 3x4 image, hand-picked sample points including partially and fully outside ones.
  std::vector<float> img = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110};
  std::vector<float> pts = {0.5f, 0.5f, 2.25f, 1.75f, 3.0f, 2.0f, -0.5f, 0.0f, 3.5f, 2.5f, -3.0f, 1.0f, 1.0f, 0.0f, 0.0f, 2.0f};
  const mx::array out = remap_bilinear(mx::array(img.data(), {3, 4}, mx::float32),
                                       mx::array(pts.data(), {1, 8, 2}, mx::float32), stream());
  auto at = [&](int y, int x) { return (x < 0 || x > 3 || y < 0 || y > 2) ? 0.0f : img[y * 4 + x]; };
  std::vector<float> expect;
  for (int i = 0; i < 8; ++i) {
    const float x = pts[2 * i], y = pts[2 * i + 1];
    const int x0 = int(std::floor(x)), y0 = int(std::floor(y));
    const float ax = x - x0, ay = y - y0;
    expect.push_back((1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x0 + 1)) +
                     ay * ((1 - ax) * at(y0 + 1, x0) + ax * at(y0 + 1, x0 + 1)));
  }
  EXPECT_FLOAT_EQ(expect[0], 25.0f);    // centre of the first 2x2 block
  EXPECT_FLOAT_EQ(expect[3], 0.0f);     // half outside on the left: 0.5 * 0 + 0.5 * img(0, 0) = 0
  EXPECT_FLOAT_EQ(expect[4], 0.25f * 110.0f);  // 3 of 4 neighbours outside
  EXPECT_FLOAT_EQ(expect[5], 0.0f);     // fully outside
  EXPECT_CLOSE(allclose_scaled(out, mx::reshape(mx::array(expect.data(), {8}, mx::float32), {1, 8}), 1e-6));
  EXPECT_THROW_MSG(remap_bilinear(mx::zeros({3, 4}, mx::uint16), mx::zeros({1, 1, 2})), std::invalid_argument, "image");
  EXPECT_THROW_MSG(remap_bilinear(mx::zeros({3, 4}), mx::zeros({1, 1, 3})), std::invalid_argument, "map");
}

// The twin against the portable path on the twin's stream.
TEST_P(StereoRemapTwin, MatchesPortable) {
  const Rectification rect = compute_rectification(hd_calibration(), 1280, 720);
  // Include a map shifted half off the image so the border rule is exercised too.
  // A 240-row band of each map keeps the test quick; the source image is the full frame.
  const mx::array band = mx::slice(rect.right_map, {200, 0, 0}, {440, 1280, 2});
  const mx::array maps[] = {mx::slice(rect.left_map, {0, 0, 0}, {240, 1280, 2}), band + mx::array({-640.0f, 200.0f})};
  for (const mx::array& map : maps) {
    for (int c : {1, 3}) {
      const mx::array f = c == 1 ? mx::random::uniform(0, 255, {720, 1280}) : mx::random::uniform(0, 255, {720, 1280, 3});
      const mx::array u = mx::astype(f, mx::uint8);
      const auto [pf, pu] = test::run_forced(Impl::portable, "stereo.remap", [&] {
        auto out = std::pair{remap_bilinear(f, map, stream()), remap_bilinear(u, map, stream())};
        mx::eval(out.first, out.second);
        return out;
      });
      const mx::array cf = remap_bilinear(f, map, stream()), cu = remap_bilinear(u, map, stream());
      mx::eval(cf, cu);
      EXPECT_CLOSE(allclose_scaled(cf, pf, 1e-6, 1e-4));
      // Summation order may differ, which can move a value across a .5 rounding boundary.
      const mx::array du = mx::abs(mx::astype(cu, mx::int32) - mx::astype(pu, mx::int32));
      EXPECT_LE(mx::max(du).item<int>(), 1);
      EXPECT_LT(mx::mean(mx::astype(du, mx::float32)).item<float>(), 1e-3);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, StereoRemapImpl, ::testing::Values(Impl::portable, Impl::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });
INSTANTIATE_TEST_SUITE_P(Twins, StereoRemapTwin, ::testing::Values(Impl::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(StereoFrames, SplitSideBySide) {
  const mx::array frame = mx::reshape(mx::arange(2 * 6 * 3), {2, 6, 3});
  const StereoPair p = split_side_by_side(frame);
  EXPECT_EQ(p.left.shape(), (mx::Shape{2, 3, 3}));
  EXPECT_EQ(mx::take(mx::flatten(p.right), 0).item<int>(), 9);
  EXPECT_THROW_MSG(split_side_by_side(mx::zeros({2, 5})), std::invalid_argument, "must be even");
}

TEST(StereoFrames, YuyvAndGreyMatchOpenCv) {
  cv::Mat yuyv(32, 64, CV_8UC2);
  cv::RNG(3).fill(yuyv, cv::RNG::UNIFORM, 0, 256);
  cv::Mat rgb_ref, grey_ref, luma_ref;
  cv::cvtColor(yuyv, rgb_ref, cv::COLOR_YUV2RGB_YUYV);
  cv::cvtColor(rgb_ref, grey_ref, cv::COLOR_RGB2GRAY);
  cv::cvtColor(yuyv, luma_ref, cv::COLOR_YUV2GRAY_YUYV);
  const mx::array in = mx::reshape(from_mat_u8(yuyv), {32, 128});
  const mx::array rgb = yuyv_to_rgb(in);
  EXPECT_EQ(rgb.shape(), (mx::Shape{32, 64, 3}));
  auto diff = [](const mx::array& a, const cv::Mat& b) {
    const mx::array d = mx::abs(mx::astype(a, mx::int32) - mx::astype(from_mat_u8(b), mx::int32));
    return mx::max(d).item<int>();
  };
  EXPECT_LE(diff(rgb, rgb_ref), 2);  // 3-decimal BT.601 coefficients vs OpenCV's 20-bit fixed point
  EXPECT_LE(diff(rgb_to_grey(from_mat_u8(rgb_ref)), grey_ref), 1);
  EXPECT_EQ(diff(yuyv_to_grey(in), luma_ref), 0);
  EXPECT_THROW_MSG(yuyv_to_rgb(mx::zeros({4, 6}, mx::uint8)), std::invalid_argument, "yuyv must be");
}

}  // namespace
}  // namespace robomlx::stereo
