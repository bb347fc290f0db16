// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/sgm_opencv_peer.h"

#include <cstring>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace robomlx::stereo {

namespace {
cv::Mat to_u8(const mx::array& a) {
  auto c = mx::contiguous(mx::astype(mx::clip(mx::round(mx::astype(a, mx::float32)), mx::array(0.f), mx::array(255.f)),
                                     mx::uint8, mx::Device::cpu),
                          false, mx::Device::cpu);
  mx::eval(c);
  cv::Mat m(a.shape(0), a.shape(1), CV_8U);
  std::memcpy(m.data, c.data<std::uint8_t>(), c.nbytes());
  return m;
}

mx::array to_array(const cv::Mat& m) {
  cv::Mat f;
  m.convertTo(f, CV_32F);
  return mx::array(f.ptr<float>(), {f.rows, f.cols}, mx::float32);
}

cv::Mat scaled_tiled(const std::string& path, int h, int w) {
  cv::Mat img = cv::imread(path, cv::IMREAD_GRAYSCALE);
  if (img.empty()) throw std::runtime_error("[stereo.bench] cannot read " + path);
  const double s = double(h) / img.rows;
  cv::Mat scaled;
  cv::resize(img, scaled, cv::Size(), s, s, cv::INTER_LINEAR);
  cv::Mat row = scaled.rowRange(0, std::min(h, scaled.rows));
  cv::Mat out(h, w, CV_8U);
  // Plain repetition (a mirrored copy would flip the sign of the disparities).
  for (int x0 = 0; x0 < w; x0 += row.cols) {
    const int n = std::min(row.cols, w - x0);
    row.colRange(0, n).copyTo(out.colRange(x0, x0 + n));
  }
  return out;
}
}  // namespace

mx::array opencv_sgbm(const mx::array& left, const mx::array& right, int num_disparities) {
  const int nd = (num_disparities + 15) / 16 * 16;
  constexpr int kBlock = 5;
  auto sgbm = cv::StereoSGBM::create(0, nd, kBlock, 8 * kBlock * kBlock, 32 * kBlock * kBlock, 1, 63, 10, 100, 32,
                                     cv::StereoSGBM::MODE_SGBM_3WAY);
  cv::Mat d16, d;
  sgbm->compute(to_u8(left), to_u8(right), d16);
  d16.convertTo(d, CV_32F, 1.0 / 16);
  d.setTo(-1.f, d < 0);
  return to_array(d);
}

std::pair<mx::array, mx::array> middlebury_bench_pair(const std::string& shared_dir, int h, int w) {
  const std::string dir = shared_dir + "/data/stereo/middlebury-v2/cones/";
  return {to_array(scaled_tiled(dir + "imL.png", h, w)), to_array(scaled_tiled(dir + "imR.png", h, w))};
}

}  // namespace robomlx::stereo
