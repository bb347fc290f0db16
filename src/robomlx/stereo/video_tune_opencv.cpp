// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/video_tune.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <mlx/mlx.h>
#include <opencv2/highgui.hpp>
#include <opencv2/imgproc.hpp>

#include "robomlx/core/error.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/video.h"

namespace robomlx::stereo {

namespace {

cv::Mat to_bgr(const mx::array& a) {
  mx::array rgb = a.ndim() == 2 ? mx::repeat(mx::expand_dims(a, -1), 3, 2) : a;
  rgb = mx::contiguous(rgb);
  mx::eval(rgb);
  cv::Mat m(rgb.shape(0), rgb.shape(1), CV_8UC3, const_cast<std::uint8_t*>(rgb.data<std::uint8_t>()));
  cv::Mat bgr;
  cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

// Trackbar positions <-> SGM fields. Positions are ints from 0; each maps to a legal value.
struct Bars {
  int disparities16 = 4, p1 = 10, p2 = 120, uniqueness = 10, lr = 2, median = 1, speckle_window = 0,
      speckle_range = 2, pyramid = 0, refinement = 0, paths8 = 1;
};

Bars from_options(const SgmOptions& s) {
  Bars b;
  b.disparities16 = std::max(1, s.num_disparities / 16);
  b.p1 = int(s.p1);
  b.p2 = int(s.p2);
  b.uniqueness = int(s.uniqueness_ratio);
  b.lr = s.lr_max_diff + 1;
  b.median = s.median_size / 2;
  b.speckle_window = s.speckle_window;
  b.speckle_range = s.speckle_range;
  b.pyramid = s.pyramid_factor >= 4 ? 2 : s.pyramid_factor - 1;
  b.refinement = s.refinement_radius;
  b.paths8 = s.paths == 8;
  return b;
}

void to_options(const Bars& b, SgmOptions& s) {
  s.num_disparities = 16 * std::max(1, b.disparities16);
  s.p1 = float(std::max(1, b.p1));
  s.p2 = float(std::max(s.p1, float(b.p2)));
  s.uniqueness_ratio = float(b.uniqueness);
  s.lr_max_diff = b.lr - 1;
  s.median_size = b.median * 2 + (b.median > 0 ? 1 : 0);
  s.speckle_window = b.speckle_window;
  s.speckle_range = std::max(1, b.speckle_range);
  s.pyramid_factor = b.pyramid == 2 ? 4 : b.pyramid + 1;
  s.refinement_radius = b.refinement;
  s.paths = b.paths8 ? 8 : 4;
}

void require_display() {
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
#if defined(__APPLE__)
  (void)display;
  (void)wayland;
#else
  if ((display == nullptr || *display == '\0') && (wayland == nullptr || *wayland == '\0'))
    throw UnsupportedFeatureError(
        "no display for the highgui window ($DISPLAY is unset); run under `xvfb-run -a` for headless use");
#endif
}

void save(const std::string& path, const StereoConfig& config) {
  save_config(path, config);
  std::printf("saved %s\n", path.c_str());
}

}  // namespace

PreviewWindow::PreviewWindow(std::string name) : name_(std::move(name)) {
  require_display();
  try {
    cv::namedWindow(name_, cv::WINDOW_AUTOSIZE);
  } catch (const cv::Exception& e) {
    throw UnsupportedFeatureError("cannot open a highgui window: " + std::string(e.what()));
  }
}

PreviewWindow::~PreviewWindow() {
  try {
    cv::destroyWindow(name_);
  } catch (const cv::Exception&) {
  }
}

int PreviewWindow::show(const mx::array& left, const mx::array& colour, const std::string& status, int wait_ms) {
  cv::Mat l = to_bgr(left), c = to_bgr(colour), both;
  cv::hconcat(l, c, both);
  cv::putText(both, status, cv::Point(8, 20), cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(255, 255, 255), 1);
  cv::imshow(name_, both);
  return cv::waitKey(wait_ms);
}

StereoConfig tune_interactively(const PairSource& next_pair, StereoConfig config, const TuneOptions& options) {
  PreviewWindow window(options.window);
  Bars bars = from_options(config.sgm);
  const std::string& w = window.name();
  struct Bar {
    const char* name;
    int* value;
    int max;
  };
  const Bar table[] = {{"disparities/16", &bars.disparities16, 32}, {"P1", &bars.p1, 255},
                       {"P2", &bars.p2, 1023},   {"uniqueness %", &bars.uniqueness, 99},
                       {"LR max diff + 1", &bars.lr, 64}, {"median 0/3/5", &bars.median, 2},
                       {"speckle window", &bars.speckle_window, 1000}, {"speckle range", &bars.speckle_range, 32},
                       {"pyramid 1/2/4", &bars.pyramid, 2}, {"refine radius", &bars.refinement, 8},
                       {"8 paths", &bars.paths8, 1}};
  // Positions are polled each frame (the value-pointer form is deprecated in OpenCV 4).
  for (const Bar& b : table) {
    cv::createTrackbar(b.name, w, nullptr, b.max);
    cv::setTrackbarPos(b.name, w, *b.value);
  }
  mx::array left = mx::array(0), right = mx::array(0);
  for (int frame = 0; options.frames == 0 || frame < options.frames; ++frame) {
    if (!next_pair(left, right)) break;
    for (const Bar& b : table) *b.value = cv::getTrackbarPos(b.name, w);
    StereoConfig trial = config;
    to_options(bars, trial.sgm);
    if (trial.sgm.num_disparities + trial.sgm.min_disparity >= left.shape(1))
      trial.sgm.num_disparities = std::max(16, (left.shape(1) - 1 - trial.sgm.min_disparity) / 16 * 16);
    std::string status;
    try {
      trial.validate();
      config = trial;
      const auto r = compute_disparity(rgb_to_grey(left), rgb_to_grey(right), config.sgm);
      const mx::array colour = colorize_disparity(r.disparity, float(config.sgm.min_disparity),
                                                  float(config.sgm.min_disparity + config.sgm.num_disparities));
      status = "d " + std::to_string(config.sgm.num_disparities) + "  s: save  r: reset  q: quit";
      const int key = window.show(left, colour, status, options.frames > 0 ? 1 : 30);
      if (key == 's' && !options.save_path.empty()) save(options.save_path, config);
      if (key == 'r') {
        bars = from_options(SgmOptions{});
        for (const Bar& b : table) cv::setTrackbarPos(b.name, w, *b.value);
      }
      if (key == 'q' || key == 27) break;
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "tune: %s\n", e.what());  // an illegal trackbar combination: keep the last good one
      if (window.show(left, mx::zeros({left.shape(0), left.shape(1), 3}, mx::uint8), e.what(), 30) == 'q') break;
    }
  }
  if (options.frames > 0 && !options.save_path.empty()) save(options.save_path, config);
  return config;
}

}  // namespace robomlx::stereo
