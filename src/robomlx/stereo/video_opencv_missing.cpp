// SPDX-License-Identifier: Apache-2.0
// Stand-ins for video_opencv.cpp and video_tune_opencv.cpp, compiled only when OpenCV is not
// found (CMakeLists.txt). Each fails with UnsupportedFeatureError saying what is missing, except
// read_image, which falls back to robomlx's own PNG and PGM/PPM readers.
#include <algorithm>
#include <cctype>

#include "robomlx/core/error.h"
#include "robomlx/core/io/image_probe.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/stereo/video.h"
#include "robomlx/stereo/video_tune.h"

namespace robomlx::stereo {

namespace {
[[noreturn]] void missing(const std::string& what) {
  throw UnsupportedFeatureError("[stereo] " + what + " needs OpenCV, and this build has none "
                                "(install libopencv-dev and reconfigure, or pass -DROBOMLX_WITH_OPENCV=ON)");
}

std::string lower_extension(const std::string& path) {
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}
}  // namespace

Image read_image(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == "png") return read_png(path);
  if (ext == "pgm" || ext == "ppm" || ext == "pnm") return read_pnm(path);
  missing("reading ." + ext + " images (this build reads PNG and PGM/PPM only)");
}

Image decode_image(const void* data, std::size_t size, const std::string& name) {
  const ImageHeader header = probe_image_checked(data, size, name);
  if (header.format == "PNG") return decode_png(data, size, name);
  if (header.format == "PNM" && static_cast<const char*>(data)[1] >= '5') return decode_pnm(data, size, name);
  missing("decoding " + header.format + " images (this build reads PNG and binary PGM/PPM only)");
}

struct FrameSource::Impl {};
FrameSource::FrameSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameSource::FrameSource(FrameSource&&) noexcept = default;
FrameSource& FrameSource::operator=(FrameSource&&) noexcept = default;
FrameSource::~FrameSource() = default;
FrameSource FrameSource::open_file(const std::string&) { missing("video input (cv::VideoCapture)"); }
FrameSource FrameSource::open_camera(int, int, int, double, bool) { missing("camera capture (cv::VideoCapture)"); }
bool FrameSource::read(Image&) { missing("video input"); }
bool FrameSource::read(mx::array&) { missing("video input"); }
bool FrameSource::raw_yuyv_active() const { return false; }
std::vector<CameraControl> FrameSource::controls() const { return {}; }
bool FrameSource::set_control(const std::string&, double) { return false; }
std::string FrameSource::backend() const { return "none"; }
int FrameSource::width() const { return 0; }
int FrameSource::height() const { return 0; }

StereoConfig tune_interactively(const PairSource&, StereoConfig, const TuneOptions&) {
  missing("the interactive tuner (highgui)");
}
PreviewWindow::PreviewWindow(std::string name) : name_(std::move(name)) { missing("the preview window (highgui)"); }
PreviewWindow::~PreviewWindow() = default;
int PreviewWindow::show(const mx::array&, const mx::array&, const std::string&, int) { return -1; }

}  // namespace robomlx::stereo
