// SPDX-License-Identifier: Apache-2.0
// Frames from files and cameras (OpenCV videoio) and the pixel conversions a ZED needs: the
// camera sends side-by-side YUYV 4:2:2 frames of twice the single-eye width.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/core/image.h"

namespace robomlx::stereo {

namespace mx = mlx::core;

/// YUYV 4:2:2 (bytes Y0 U Y1 V per pixel pair) to RGB, BT.601 limited range like OpenCV's
/// COLOR_YUV2RGB_YUYV. yuyv: [H, 2W] or [H, W, 2] uint8 (W even) -> [H, W, 3] uint8.
mx::array yuyv_to_rgb(const mx::array& yuyv, mx::StreamOrDevice s = {});

/// The luma plane of a YUYV frame: [H, 2W] or [H, W, 2] uint8 -> [H, W] uint8.
mx::array yuyv_to_grey(const mx::array& yuyv, mx::StreamOrDevice s = {});

/// RGB to grey with OpenCV's weights (0.299 R + 0.587 G + 0.114 B, rounded):
/// [H, W, 3] uint8 -> [H, W] uint8; [H, W] passes through; [H, W, 4] drops alpha.
mx::array rgb_to_grey(const mx::array& rgb, mx::StreamOrDevice s = {});

/// Reads an image file as uint8 RGB [H, W, 3] or grey [H, W, 1] (alpha dropped); 16-bit files
/// keep uint16. The size is read from the header first (core/io/image_probe.h) and held to the
/// pixel cap (InputLimitError); PNG and binary PGM/PPM go through robomlx's own readers, JPEG,
/// BMP, TIFF, WebP and ASCII PNM through OpenCV, whose messages never reach stderr. Throws
/// FormatError naming the file when it cannot be decoded, or is in another format.
Image read_image(const std::string& path);
/// The same from memory (`name` is used in messages); the entry point the fuzzer drives.
Image decode_image(const void* data, std::size_t size, const std::string& name = "<memory>");

/// One camera control as the capture backend reports it.
struct CameraControl {
  std::string name;
  bool supported = false;  // the backend returned a value for it
  double value = 0;
};

/// A sequence of frames from a video file or a camera (cv::VideoCapture).
class FrameSource {
 public:
  /// Opens a video file; FormatError when OpenCV cannot open or decode it, InputLimitError when
  /// the stream declares frames beyond the pixel cap (read() checks every frame as well).
  static FrameSource open_file(const std::string& path);
  /// Opens camera `index` (V4L2 on Linux, AVFoundation on macOS) asking for the given
  /// side-by-side size and rate (0 = driver default). Throws UnsupportedFeatureError when no
  /// camera can be opened, saying so plainly.
  /// raw_yuyv asks the backend for unconverted YUYV (CAP_PROP_CONVERT_RGB off, V4L2) so that
  /// the colour conversion runs on the compute device (yuyv_to_rgb); backends that ignore the
  /// request keep delivering BGR, which read() handles too (see raw_yuyv_active()).
  static FrameSource open_camera(int index, int width = 0, int height = 0, double fps = 0, bool raw_yuyv = false);

  FrameSource(FrameSource&&) noexcept;
  FrameSource& operator=(FrameSource&&) noexcept;
  ~FrameSource();

  /// Next frame as uint8 RGB [H, W, 3]; false at the end of the stream.
  bool read(Image& frame);
  /// Next frame as an mx::array uint8 RGB [H, W, 3]; raw YUYV frames are converted with
  /// yuyv_to_rgb (lazily, on the default device). False at the end of the stream.
  bool read(mx::array& frame);
  /// Whether the last frame arrived as raw YUYV.
  bool raw_yuyv_active() const;
  /// Controls the backend answers for (brightness, contrast, exposure, ...); only reports,
  /// never pretends: a control the backend does not know is listed as unsupported.
  std::vector<CameraControl> controls() const;
  /// Sets a control by name; returns false (and changes nothing) when the backend refuses.
  bool set_control(const std::string& name, double value);
  std::string backend() const;
  int width() const;
  int height() const;

 private:
  struct Impl;
  explicit FrameSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace robomlx::stereo
