// SPDX-License-Identifier: Apache-2.0
// ZED factory calibration files (`SN<serial>.conf`, the format zed-open-capture downloads to
// ~/zed/settings/). Plain INI; section and key names are case-insensitive:
//   [LEFT_CAM_<r>] / [RIGHT_CAM_<r>]: fx fy cx cy (pixels, for that resolution's single-eye
//       image) and k1 k2 p1 p2 k3 (OpenCV Brown-Conrady "plumb bob").
//   [STEREO]: Baseline (mm, one value for all resolutions), TY_<r> TZ_<r> (mm),
//       RX_<r> CV_<r> RZ_<r> (rotation of the right eye w.r.t. the left, Rodrigues vector, radians).
// <r> is any resolution tag present in the file (2K, FHD, HD, VGA, and newer ones such as FHD1200
// or SVGA); parsing is generic and numbers are read locale-independently (std::from_chars).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace robomlx::stereo {

/// One eye: pinhole intrinsics in pixels and the 5 OpenCV distortion coefficients.
struct CameraIntrinsics {
  double fx = 0, fy = 0, cx = 0, cy = 0;
  std::array<double, 5> distortion{};  // k1, k2, p1, p2, k3
};

/// The calibration of one resolution of a stereo camera.
struct StereoCalibration {
  std::string resolution;  // upper-case tag, e.g. "HD"
  CameraIntrinsics left, right;
  /// Right-eye translation (Baseline, TY, TZ) in mm, as in the file (positive x baseline).
  std::array<double, 3> translation_mm{};
  /// Right-eye rotation as a Rodrigues vector (RX, CV, RZ), radians.
  std::array<double, 3> rotation{};
};

/// Parses `text` (the content of a calibration file called `name` in messages) for the
/// resolution tag `resolution` (any case). Throws FormatError naming the file, the line and the
/// key for malformed lines or numbers, and the section/key for missing entries; throws
/// std::invalid_argument listing the tags present when `resolution` is not in the file.
StereoCalibration parse_zed_calibration(std::string_view text, std::string_view resolution,
                                        const std::string& name = "<memory>");

/// Reads and parses a calibration file (FormatError if unreadable).
StereoCalibration load_zed_calibration(const std::string& path, std::string_view resolution);

/// Upper-case resolution tags that have both a LEFT_CAM_ and a RIGHT_CAM_ section in `text`.
std::vector<std::string> zed_calibration_resolutions(std::string_view text, const std::string& name = "<memory>");

/// Single-eye (width, height) of a known ZED resolution tag (any case); nullopt for tags whose
/// size is not built in (the image then defines it).
std::optional<std::pair<int, int>> zed_resolution_size(std::string_view resolution);

/// The tag of a known single-eye width (2208 -> "2K", 1280 -> "HD", ...). Unlike upstream,
/// which silently falls back to HD, an unknown width throws std::invalid_argument.
std::string zed_resolution_for_size(int width, int height);

}  // namespace robomlx::stereo
