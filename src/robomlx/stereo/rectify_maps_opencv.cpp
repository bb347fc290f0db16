// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/rectify.h"

// Rectification maps through OpenCV (stereoRectify + initUndistortRectifyMap); built only when
// OpenCV is found (see CMakeLists.txt; rectify_maps_opencv_missing.cpp stands in otherwise).

#include <cmath>
#include <stdexcept>
#include <string>

#include <mlx/mlx.h>
#include <opencv2/calib3d.hpp>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/rectify_twins.h"

namespace robomlx::stereo {

namespace {

constexpr const char* kTag = "stereo.rectify";

cv::Mat camera_matrix(const CameraIntrinsics& c) {
  return (cv::Mat_<double>(3, 3) << c.fx, 0, c.cx, 0, c.fy, c.cy, 0, 0, 1);
}

cv::Mat distortion(const CameraIntrinsics& c) { return cv::Mat(c.distortion, true).reshape(1, 1); }

template <std::size_t N>
std::array<double, N> to_array(const cv::Mat& m) {
  std::array<double, N> out{};
  cv::Mat d;
  m.convertTo(d, CV_64F);
  for (std::size_t i = 0; i < N; ++i) out[i] = d.at<double>(int(i / d.cols), int(i % d.cols));
  return out;
}

// Interleaves two CV_32FC1 maps into one [H, W, 2] float32 array.
mx::array interleave(const cv::Mat& mx_, const cv::Mat& my_) {
  const int h = mx_.rows, w = mx_.cols;
  std::vector<float> xy(std::size_t(h) * w * 2);
  for (int y = 0; y < h; ++y) {
    const float* px = mx_.ptr<float>(y);
    const float* py = my_.ptr<float>(y);
    float* out = xy.data() + std::size_t(y) * w * 2;
    for (int x = 0; x < w; ++x) {
      out[2 * x] = px[x];
      out[2 * x + 1] = py[x];
    }
  }
  return mx::array(xy.begin(), {h, w, 2}, mx::float32);
}

}  // namespace

Rectification compute_rectification(const StereoCalibration& calib, int width, int height,
                                    mx::StreamOrDevice stream_or_device) {
  check_range(kTag, "image width", width, 2, 1 << 15);
  check_range(kTag, "image height", height, 2, 1 << 15);
  if (auto size = zed_resolution_size(calib.resolution); size && (size->first != width || size->second != height))
    throw std::invalid_argument("[stereo.rectify] image size " + std::to_string(width) + "x" + std::to_string(height) +
                                " does not match the calibration's resolution " + calib.resolution + " (" +
                                std::to_string(size->first) + "x" + std::to_string(size->second) + " per eye)");
  const cv::Mat k1 = camera_matrix(calib.left), k2 = camera_matrix(calib.right);
  const cv::Mat d1 = distortion(calib.left), d2 = distortion(calib.right);
  cv::Mat rvec = (cv::Mat_<double>(3, 1) << calib.rotation[0], calib.rotation[1], calib.rotation[2]);
  cv::Mat r, t = (cv::Mat_<double>(3, 1) << calib.translation_mm[0], calib.translation_mm[1], calib.translation_mm[2]);
  const cv::Size size(width, height);
  cv::Mat r1, r2, p1, p2, q;
  cv::Mat lx, ly, rx, ry;
  try {  // OpenCV's multi-line exception text never reaches the CLI as it is
    cv::Rodrigues(rvec, r);
    cv::stereoRectify(k1, d1, k2, d2, size, r, t, r1, r2, p1, p2, q, cv::CALIB_ZERO_DISPARITY, 0.0, size);
    cv::initUndistortRectifyMap(k1, d1, r1, p1, size, CV_32FC1, lx, ly);
    cv::initUndistortRectifyMap(k2, d2, r2, p2, size, CV_32FC1, rx, ry);
  } catch (const cv::Exception& e) {
    std::string what = e.err;
    for (char& c : what)
      if (c == '\n') c = ' ';
    throw std::runtime_error("[stereo.rectify] OpenCV could not compute the rectification maps of resolution " +
                             calib.resolution + ": " + what);
  }

  Rectification rect;
  rect.width = width;
  rect.height = height;
  rect.left_map = interleave(lx, ly);
  rect.right_map = interleave(rx, ry);
  if (const mx::Stream s = op_stream(stream_or_device); !detail::remap_plans_cpu_twin(s)) {
    // The twin reads the maps directly; the portable path reads tables.
    rect.left_table = make_remap_table(rect.left_map, height, width, s);
    rect.right_table = make_remap_table(rect.right_map, height, width, s);
  }
  rect.r1 = to_array<9>(r1);
  rect.r2 = to_array<9>(r2);
  rect.p1 = to_array<12>(p1);
  rect.p2 = to_array<12>(p2);
  rect.geometry.focal_px = rect.p1[0];
  rect.geometry.cx = rect.p1[2];
  rect.geometry.cy = rect.p1[6];
  rect.geometry.baseline_mm = std::abs(rect.p2[3] / rect.p2[0]);
  if (!(rect.geometry.focal_px > 0) || !(rect.geometry.baseline_mm > 0))
    throw std::invalid_argument("[stereo.rectify] calibration gives a degenerate rectified pair (focal " +
                                std::to_string(rect.geometry.focal_px) + " px, baseline " +
                                std::to_string(rect.geometry.baseline_mm) + " mm)");
  return rect;
}

}  // namespace robomlx::stereo
