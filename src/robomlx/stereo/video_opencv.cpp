// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/video.h"

// Image files and video/camera capture through OpenCV; built only when OpenCV is found
// (video_opencv_missing.cpp stands in otherwise).

#include <cstring>
#include <stdexcept>
#include <utility>

#include <mlx/mlx.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"

namespace robomlx::stereo {

namespace {

Image from_mat_rgb(const cv::Mat& bgr) {
  cv::Mat rgb;
  if (bgr.channels() == 3) {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  } else if (bgr.channels() == 4) {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGRA2RGB);
  } else {
    rgb = bgr;
  }
  const mx::Dtype dtype = rgb.depth() == CV_16U ? mx::uint16 : mx::uint8;
  Image im = Image::zeros(rgb.rows, rgb.cols, rgb.channels(), dtype);
  const std::size_t row = std::size_t(rgb.cols) * rgb.elemSize();
  for (int y = 0; y < rgb.rows; ++y) std::memcpy(im.bytes.data() + y * row, rgb.ptr(y), row);
  return im;
}

struct ControlId {
  const char* name;
  int prop;
};
constexpr ControlId kControls[] = {
    {"brightness", cv::CAP_PROP_BRIGHTNESS}, {"contrast", cv::CAP_PROP_CONTRAST},
    {"saturation", cv::CAP_PROP_SATURATION}, {"hue", cv::CAP_PROP_HUE},
    {"gain", cv::CAP_PROP_GAIN},             {"exposure", cv::CAP_PROP_EXPOSURE},
    {"auto_exposure", cv::CAP_PROP_AUTO_EXPOSURE}, {"sharpness", cv::CAP_PROP_SHARPNESS},
    {"gamma", cv::CAP_PROP_GAMMA},           {"white_balance", cv::CAP_PROP_WB_TEMPERATURE},
    {"auto_white_balance", cv::CAP_PROP_AUTO_WB}, {"fps", cv::CAP_PROP_FPS},
};

}  // namespace

Image read_image(const std::string& path) {
  cv::Mat m = cv::imread(path, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
  if (m.empty()) throw FormatError(path, "cannot read image (missing file or unsupported format)");
  if (m.depth() != CV_8U && m.depth() != CV_16U)
    throw FormatError(path, "unsupported sample type (need 8- or 16-bit)");
  return from_mat_rgb(m);
}

struct FrameSource::Impl {
  cv::VideoCapture cap;
  bool raw = false;
};

FrameSource::FrameSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameSource::FrameSource(FrameSource&&) noexcept = default;
FrameSource& FrameSource::operator=(FrameSource&&) noexcept = default;
FrameSource::~FrameSource() = default;

FrameSource FrameSource::open_file(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  if (!impl->cap.open(path, cv::CAP_ANY) || !impl->cap.isOpened())
    throw FormatError(path, "cannot open video (missing file, or no OpenCV backend decodes it)");
  return FrameSource(std::move(impl));
}

FrameSource FrameSource::open_camera(int index, int width, int height, double fps, bool raw_yuyv) {
  auto impl = std::make_unique<Impl>();
  if (!impl->cap.open(index, cv::CAP_ANY) || !impl->cap.isOpened())
    throw UnsupportedFeatureError("no camera could be opened at index " + std::to_string(index) +
                                  " (cv::VideoCapture found no device); stereo live needs a side-by-side UVC "
                                  "camera such as a ZED plugged in");
  if (width > 0) impl->cap.set(cv::CAP_PROP_FRAME_WIDTH, width);
  if (height > 0) impl->cap.set(cv::CAP_PROP_FRAME_HEIGHT, height);
  if (fps > 0) impl->cap.set(cv::CAP_PROP_FPS, fps);
  if (raw_yuyv) {
    impl->cap.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('Y', 'U', 'Y', 'V'));
    impl->cap.set(cv::CAP_PROP_CONVERT_RGB, 0);
  }
  return FrameSource(std::move(impl));
}

bool FrameSource::read(Image& frame) {
  cv::Mat m;
  if (!impl_->cap.read(m) || m.empty()) return false;
  if (m.depth() != CV_8U) throw std::runtime_error("[stereo.video] backend delivered non 8-bit frames");
  frame = from_mat_rgb(m);
  return true;
}

bool FrameSource::read(mx::array& frame) {
  cv::Mat m;
  if (!impl_->cap.read(m) || m.empty()) return false;
  if (m.depth() != CV_8U) throw std::runtime_error("[stereo.video] backend delivered non 8-bit frames");
  impl_->raw = m.channels() == 2;
  if (impl_->raw) {
    // Unconverted YUYV: [H, W] pixels of 2 bytes; convert on the compute device.
    std::vector<std::uint8_t> bytes(m.total() * 2);
    for (int y = 0; y < m.rows; ++y) std::memcpy(bytes.data() + std::size_t(y) * m.cols * 2, m.ptr(y), m.cols * 2);
    frame = yuyv_to_rgb(mx::array(bytes.begin(), {m.rows, m.cols, 2}, mx::uint8));
    return true;
  }
  frame = from_mat_rgb(m).to_array();
  return true;
}

bool FrameSource::raw_yuyv_active() const { return impl_->raw; }

std::vector<CameraControl> FrameSource::controls() const {
  std::vector<CameraControl> out;
  for (const auto& c : kControls) {
    // OpenCV returns 0 (or -1 on some backends) for properties the backend does not implement;
    // 0 is also a legal value, so only a value the backend accepts back counts as supported.
    const double v = impl_->cap.get(c.prop);
    out.push_back({c.name, v != -1 && v != 0, v});
  }
  return out;
}

bool FrameSource::set_control(const std::string& name, double value) {
  for (const auto& c : kControls)
    if (name == c.name) return impl_->cap.set(c.prop, value);
  throw std::invalid_argument("[stereo.video] unknown camera control '" + name + "'");
}

std::string FrameSource::backend() const { return impl_->cap.getBackendName(); }
int FrameSource::width() const { return int(impl_->cap.get(cv::CAP_PROP_FRAME_WIDTH)); }
int FrameSource::height() const { return int(impl_->cap.get(cv::CAP_PROP_FRAME_HEIGHT)); }

}  // namespace robomlx::stereo
