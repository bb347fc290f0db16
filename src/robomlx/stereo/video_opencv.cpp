// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/video.h"

// Image files and video/camera capture through OpenCV; built only when OpenCV is found
// (video_opencv_missing.cpp stands in otherwise).

#include <climits>
#include <cstring>
#include <mutex>
#include <string_view>
#include <stdexcept>
#include <utility>

#include <mlx/mlx.h>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/image_probe.h"
#include "robomlx/core/io/ply_detail.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/core/io/stderr_capture.h"

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

// OpenCV's own log lines ("[ WARN:0@0.002] ... findDecoder ...") never reach the CLI's stderr:
// failures become FormatErrors naming the file instead.
void quiet_opencv() {
  static std::once_flag once;
  std::call_once(once, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

// cv::Exception::err without OpenCV's multi-line framing, for a one-line message.
std::string one_line(const cv::Exception& e) {
  std::string s = e.err.empty() ? std::string(e.what()) : e.err;
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s.substr(0, 300);
}

// read_image's channel contract: grey stays one channel, colour is RGB; alpha is dropped
// (grey + alpha -> grey), as cv::imread does with IMREAD_ANYCOLOR.
Image without_alpha(Image im) {
  if (im.channels != 2 && im.channels != 4) return im;
  const int keep = im.channels == 2 ? 1 : 3;
  Image out = Image::zeros(im.height, im.width, keep, im.dtype);
  const std::size_t s = im.sample_size(), n = std::size_t(im.height) * im.width;
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(out.bytes.data() + i * keep * s, im.bytes.data() + i * im.channels * s, keep * s);
  return out;
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
  const std::string bytes = detail::read_file_bytes(path);
  return decode_image(bytes.data(), bytes.size(), path);
}

Image decode_image(const void* data, std::size_t size, const std::string& path) {
  const std::string_view bytes(static_cast<const char*>(data), size);
  // The size policy from the header first: cv::imread has no header-only API.
  const ImageHeader header = probe_image_checked(bytes.data(), bytes.size(), path);
  // robomlx's own readers where it has them: precise messages ("corrupt PNG: file truncated").
  if (header.format == "PNG") return without_alpha(decode_png(bytes.data(), bytes.size(), path));
  if (header.format == "PNM" && (bytes[1] == '5' || bytes[1] == '6')) return decode_pnm(bytes.data(), bytes.size(), path);
  if (bytes.size() > std::size_t(INT_MAX)) throw FormatError(path, header.format + " file larger than 2 GiB");
  // libjpeg (as OpenCV drives it) fills a truncated file's missing rows with grey, silently.
  if (header.format == "JPEG" && !jpeg_has_end(bytes.data(), bytes.size()))
    throw FormatError(path, "corrupt JPEG: file truncated (no end-of-image marker after the image data)");
  quiet_opencv();
  cv::Mat m;
  std::string said;  // what the decoder library printed (libtiff, libwebp, OpenCV itself)
  try {
    StderrCapture capture;
    const cv::Mat buffer(1, int(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    m = cv::imdecode(buffer, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
    said = capture.first_line();
  } catch (const cv::Exception& e) {
    throw FormatError(path, "cannot decode the " + header.format + " image: " + one_line(e));
  }
  if (m.empty()) throw FormatError(path, "corrupt " + header.format + " image" + (said.empty() ? "" : ": " + said));
  if (std::uint64_t(m.cols) * m.rows != header.width * header.height)
    throw FormatError(path, header.format + " decoded to " + std::to_string(m.cols) + "x" + std::to_string(m.rows) +
                                ", not the header's " + std::to_string(header.width) + "x" + std::to_string(header.height));
  if (m.depth() != CV_8U && m.depth() != CV_16U)
    throw FormatError(path, "unsupported sample type (need 8- or 16-bit)");
  return from_mat_rgb(m);
}

struct FrameSource::Impl {
  cv::VideoCapture cap;
  bool raw = false;
  std::string name;  // the file, or "camera <index>", for messages
  int frames = 0;    // frames read so far

  // Next frame, with OpenCV's and FFmpeg's own messages kept off stderr and the pixel cap
  // applied to every frame (a stream may change size midway).
  bool next(cv::Mat& m) {
    bool ok = false;
    try {
      StderrCapture capture;
      ok = cap.read(m) && !m.empty();
    } catch (const cv::Exception& e) {
      throw FormatError(name, "cannot decode frame " + std::to_string(frames) + ": " + one_line(e));
    }
    if (!ok) return false;
    check_image_size(std::uint64_t(m.cols), std::uint64_t(m.rows), name, "video frame " + std::to_string(frames));
    ++frames;
    return true;
  }
};

FrameSource::FrameSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameSource::FrameSource(FrameSource&&) noexcept = default;
FrameSource& FrameSource::operator=(FrameSource&&) noexcept = default;
FrameSource::~FrameSource() = default;

FrameSource FrameSource::open_file(const std::string& path) {
  quiet_opencv();
  auto impl = std::make_unique<Impl>();
  impl->name = path;
  std::string said;
  bool opened = false;
  try {
    StderrCapture capture;
    opened = impl->cap.open(path, cv::CAP_ANY) && impl->cap.isOpened();
    said = capture.first_line();
  } catch (const cv::Exception& e) {
    throw FormatError(path, "cannot open video: " + one_line(e));
  }
  if (!opened)
    throw FormatError(path, "cannot open video (missing file, or no OpenCV backend decodes it)" +
                                (said.empty() ? std::string() : ": " + said));
  // The size policy from the container's stream header, before the first frame is read (the
  // FFmpeg backend may already have decoded one while probing the stream; its limits apply).
  const double w = impl->cap.get(cv::CAP_PROP_FRAME_WIDTH), h = impl->cap.get(cv::CAP_PROP_FRAME_HEIGHT);
  if (w > 0 && h > 0) check_image_size(std::uint64_t(w), std::uint64_t(h), path, "video frame");
  return FrameSource(std::move(impl));
}

FrameSource FrameSource::open_camera(int index, int width, int height, double fps, bool raw_yuyv) {
  quiet_opencv();
  auto impl = std::make_unique<Impl>();
  impl->name = "camera " + std::to_string(index);
  bool opened = false;
  {
    StderrCapture capture;  // V4L2 / GStreamer complain on stderr when there is no device
    opened = impl->cap.open(index, cv::CAP_ANY) && impl->cap.isOpened();
  }
  if (!opened)
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
  if (!impl_->next(m)) return false;
  if (m.depth() != CV_8U) throw std::runtime_error("[stereo.video] backend delivered non 8-bit frames");
  frame = from_mat_rgb(m);
  return true;
}

bool FrameSource::read(mx::array& frame) {
  cv::Mat m;
  if (!impl_->next(m)) return false;
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
