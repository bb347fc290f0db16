// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/rectify.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <mlx/mlx.h>
#include <opencv2/calib3d.hpp>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/rectify_cpu.h"

namespace robomlx::stereo {

namespace {

constexpr const char* kTag = "stereo.rectify";

bool use_cpu_twin() {
  return choose_impl("stereo.remap", mx::default_device(), ImplSet{.cpu = true}) == Impl::cpu;
}

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

std::array<double, 16> RectifiedGeometry::q() const {
  return {1, 0, 0, -cx, 0, 1, 0, -cy, 0, 0, 0, focal_px, 0, 0, 1.0 / baseline_mm, 0};
}

Rectification compute_rectification(const StereoCalibration& calib, int width, int height) {
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
  cv::Rodrigues(rvec, r);
  const cv::Size size(width, height);
  cv::Mat r1, r2, p1, p2, q;
  cv::stereoRectify(k1, d1, k2, d2, size, r, t, r1, r2, p1, p2, q, cv::CALIB_ZERO_DISPARITY, 0.0, size);
  cv::Mat lx, ly, rx, ry;
  cv::initUndistortRectifyMap(k1, d1, r1, p1, size, CV_32FC1, lx, ly);
  cv::initUndistortRectifyMap(k2, d2, r2, p2, size, CV_32FC1, rx, ry);

  Rectification rect;
  rect.width = width;
  rect.height = height;
  rect.left_map = interleave(lx, ly);
  rect.right_map = interleave(rx, ry);
  if (!use_cpu_twin()) {  // the twin reads the maps directly
    rect.left_table = make_remap_table(rect.left_map, height, width);
    rect.right_table = make_remap_table(rect.right_map, height, width);
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

RemapTable make_remap_table(const mx::array& map, int src_height, int src_width) {
  check_shape(kTag, "map", map, {-1, -1, 2});
  check_dtype(kTag, "map", map, {mx::float32});
  const int h = src_height, w = src_width;
  RemapTable t{h, w, map.shape(0), map.shape(1)};
  const mx::array x = mx::take(map, 0, 2), y = mx::take(map, 1, 2);
  const mx::array x0f = mx::floor(x), y0f = mx::floor(y);
  const mx::array ax = x - x0f, ay = y - y0f;
  // Far-away coordinates are clamped before the int cast; their neighbours stay outside.
  const mx::array x0 = mx::astype(mx::clip(x0f, mx::array(-2.0f), mx::array(float(w + 1))), mx::int32);
  const mx::array y0 = mx::astype(mx::clip(y0f, mx::array(-2.0f), mx::array(float(h + 1))), mx::int32);
  std::vector<mx::array> index, weight;
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      const mx::array xi = x0 + dx, yi = y0 + dy;
      const mx::array inside = (xi >= 0) && (xi < w) && (yi >= 0) && (yi < h);
      index.push_back(mx::clip(yi, mx::array(0), mx::array(h - 1)) * w + mx::clip(xi, mx::array(0), mx::array(w - 1)));
      const mx::array wx = dx ? ax : 1.0f - ax, wy = dy ? ay : 1.0f - ay;
      weight.push_back(mx::where(inside, wx * wy, mx::array(0.0f)));
    }
  }
  const int n = t.out_height * t.out_width;
  t.index = mx::reshape(mx::stack(index, -1), {n * 4});
  t.weight = mx::reshape(mx::stack(weight, -1), {n, 4, 1});
  mx::eval(t.index, t.weight);
  return t;
}

mx::array remap_bilinear(const mx::array& image, const RemapTable& table) {
  if (image.ndim() != 2 && image.ndim() != 3)
    fail_argument(kTag, "image must be [H, W] or [H, W, C], got " + shape_string(image.shape()));
  check_dtype(kTag, "image", image, {mx::uint8, mx::float32});
  if (image.shape(0) != table.src_height || image.shape(1) != table.src_width)
    fail_argument(kTag, "image must be " + std::to_string(table.src_width) + "x" + std::to_string(table.src_height) +
                            " for this remap table, got shape " + shape_string(image.shape()));
  const int h = image.shape(0), w = image.shape(1);
  const int c = image.ndim() == 3 ? image.shape(2) : 1;
  const int n = table.out_height * table.out_width;
  const mx::array flat = mx::reshape(image, {h * w, c});
  // Gather in the source dtype (uint8 moves 4x less memory), then blend in float32.
  const mx::array neighbours = mx::astype(mx::reshape(mx::take(flat, table.index, 0), {n, 4, c}), mx::float32);
  mx::array out = mx::sum(neighbours * table.weight, 1);
  out = image.ndim() == 2 ? mx::reshape(out, {table.out_height, table.out_width})
                          : mx::reshape(out, {table.out_height, table.out_width, c});
  if (image.dtype() == mx::uint8) return mx::astype(mx::clip(mx::round(out), mx::array(0.0f), mx::array(255.0f)), mx::uint8);
  return out;
}

mx::array remap_bilinear(const mx::array& image, const mx::array& map) {
  if (image.ndim() != 2 && image.ndim() != 3)
    fail_argument(kTag, "image must be [H, W] or [H, W, C], got " + shape_string(image.shape()));
  check_dtype(kTag, "image", image, {mx::uint8, mx::float32});
  check_shape(kTag, "map", map, {-1, -1, 2});
  check_dtype(kTag, "map", map, {mx::float32});
  if (use_cpu_twin()) return detail::remap_bilinear_cpu(image, map);
  return remap_bilinear(image, make_remap_table(map, image.shape(0), image.shape(1)));
}

StereoPair rectify_pair(const Rectification& rect, const mx::array& left, const mx::array& right) {
  for (const auto* im : {&left, &right}) {
    if (im->ndim() < 2 || im->shape(0) != rect.height || im->shape(1) != rect.width)
      fail_argument(kTag, std::string(im == &left ? "left" : "right") + " image must be " +
                              std::to_string(rect.width) + "x" + std::to_string(rect.height) +
                              " (the calibration's size), got shape " + shape_string(im->shape()));
  }
  if (use_cpu_twin() || rect.left_table.src_width == 0)
    return {remap_bilinear(left, rect.left_map), remap_bilinear(right, rect.right_map)};
  return {remap_bilinear(left, rect.left_table), remap_bilinear(right, rect.right_table)};
}

StereoPair split_side_by_side(const mx::array& frame) {
  if (frame.ndim() != 2 && frame.ndim() != 3)
    fail_argument("stereo.split", "side-by-side frame must be [H, 2W] or [H, 2W, C], got " + shape_string(frame.shape()));
  const int w2 = frame.shape(1);
  if (w2 % 2 != 0 || w2 < 2)
    fail_argument("stereo.split", "side-by-side frame width must be even (two eyes), got " + std::to_string(w2));
  const int w = w2 / 2;
  mx::Shape start(frame.ndim(), 0), mid = frame.shape(), stop = frame.shape();
  mid[1] = w;
  mx::Shape start_r = start;
  start_r[1] = w;
  return {mx::slice(frame, start, mid), mx::slice(frame, start_r, stop)};
}

}  // namespace robomlx::stereo
