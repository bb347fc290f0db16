// SPDX-License-Identifier: Apache-2.0
// Frames and camera models shared by every depth processing block (librealsense semantics).
//
// Pixel layouts (row major, HWC, on the compute device as mx::array):
//   Z16          [H, W] uint16, raw depth units (depth_units metres per unit; D400: 0.001); 0 = invalid
//   Disparity32  [H, W] float32, disparity in 1/32-pixel units (librealsense DISPARITY32); 0 = invalid
//   Distance32F  [H, W] float32 metres, output of the units transform; 0 = invalid
//   RGB8/BGR8    [H, W, 3] uint8;  RGBA8/BGRA8 [H, W, 4] uint8;  Y8 [H, W] uint8
//   XYZ32F       [H, W, 3] float32 metres (point cloud vertices)
//   UV32F        [H, W, 2] float32 normalised texture coordinates
// Coordinates follow librealsense: x right, y down, z forward, metres.
#pragma once

#include <array>
#include <string>

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// librealsense rs2_distortion, same numbering.
enum class Distortion {
  none = 0,
  modified_brown_conrady = 1,
  inverse_brown_conrady = 2,
  ftheta = 3,
  brown_conrady = 4,
  kannala_brandt4 = 5,
};

/// Parses "none", "brown_conrady", ... (also librealsense's "Brown Conrady" spelling); throws.
Distortion parse_distortion(const std::string& name);
const char* to_string(Distortion d);

/// Pinhole intrinsics with distortion, as rs2_intrinsics (pixels).
struct Intrinsics {
  int width = 0;
  int height = 0;
  float ppx = 0, ppy = 0;  // principal point, pixels from the top-left pixel's centre... as librealsense
  float fx = 0, fy = 0;    // focal lengths, pixels
  Distortion model = Distortion::none;
  std::array<float, 5> coeffs{};  // k1 k2 p1 p2 k3 (Brown), k1..k4 (Kannala-Brandt), k1 (F-theta)

  /// Throws std::invalid_argument ("[depth.<tag>] intrinsics.fx must be finite and > 0, got 0")
  /// for zero/NaN focal lengths, non-finite principal point or coefficients, or bad sizes.
  void validate(const std::string& tag) const;
};

/// Rigid transform between two streams, as rs2_extrinsics: p_to = R * p_from + t,
/// rotation stored column major (librealsense layout), translation in metres.
struct Extrinsics {
  std::array<float, 9> rotation{1, 0, 0, 0, 1, 0, 0, 0, 1};
  std::array<float, 3> translation{0, 0, 0};
  Extrinsics inverse() const;
};

enum class FrameFormat { z16, disparity32, distance32f, rgb8, bgr8, rgba8, bgra8, y8, xyz32f, uv32f };
const char* to_string(FrameFormat f);

/// One frame: pixels plus the stream metadata librealsense attaches to it.
struct Frame {
  mx::array data{0};          // layout per FrameFormat (see top of file)
  FrameFormat format = FrameFormat::z16;
  Intrinsics intrinsics;      // of this frame's geometry (decimation scales it)
  float depth_units = 0.001f; // metres per Z16 unit
  float baseline_mm = 0;      // stereo baseline (disparity transform); 0 = unknown
  long long frame_number = 0;
  double timestamp_ms = 0;

  int height() const { return data.shape(0); }
  int width() const { return data.shape(1); }
};

}  // namespace robomlx::depth
