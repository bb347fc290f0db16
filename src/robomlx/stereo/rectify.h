// SPDX-License-Identifier: Apache-2.0
// Stereo rectification: maps equal to OpenCV's stereoRectify(CALIB_ZERO_DISPARITY, alpha = 0,
// same output size) + initUndistortRectifyMap(CV_32FC1), as zed-open-capture computes them.
// The maps are a pure function of the calibration and are computed once on the host (OpenCV);
// the per-frame remap is an MLX op (bilinear gather) that runs on the compute device.
#pragma once

#include <array>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/stereo/calibration.h"

namespace robomlx::stereo {

namespace mx = mlx::core;

/// Geometry of a rectified pair (both eyes share focal length and principal point).
/// Coordinates: left rectified camera, X right, Y down, Z forward, in the baseline's unit (mm).
struct RectifiedGeometry {
  double focal_px = 0;     // fx = fy of the rectified projection P1
  double cx = 0, cy = 0;   // principal point (pixels), equal in both eyes (CALIB_ZERO_DISPARITY)
  double baseline_mm = 0;  // |Tx| of the rectified pair, > 0
  /// Reprojection matrix (row major 4x4): [X Y Z W]^T = Q [x y d 1]^T, with d = x_left - x_right
  /// > 0 for points in front. Same as OpenCV's Q up to the sign of the baseline: OpenCV gives
  /// negative Z for ZED's positive-baseline convention, this one gives Z = f*B/d > 0.
  std::array<double, 16> q() const;
};

/// A bilinear remap prepared once per map: the 4 neighbour indices into the flattened source
/// (clamped) and their weights (0 for neighbours outside the source, i.e. BORDER_CONSTANT 0).
/// Per frame the remap is then one gather and one weighted sum.
struct RemapTable {
  int src_height = 0, src_width = 0, out_height = 0, out_width = 0;
  mx::array index = mx::array(0);   // [Ho * Wo * 4] int32, neighbours (y0,x0) (y0,x1) (y1,x0) (y1,x1)
  mx::array weight = mx::array(0);  // [Ho * Wo, 4, 1] float32
};

/// map: [Ho, Wo, 2] float32 source coordinates (x, y) into a src_height x src_width image.
/// Evaluates the table on `s`.
RemapTable make_remap_table(const mx::array& map, int src_height, int src_width, mx::StreamOrDevice s = {});

/// Rectification of one resolution.
struct Rectification {
  int width = 0, height = 0;  // single-eye image size (input and output)
  /// Source coordinates (x, y) for each rectified pixel: [H, W, 2] float32, like the pair of
  /// CV_32FC1 maps of initUndistortRectifyMap.
  mx::array left_map = mx::array(0.0f);
  mx::array right_map = mx::array(0.0f);
  RemapTable left_table, right_table;  // the maps prepared for the portable remap
  std::array<double, 9> r1{}, r2{};   // rectifying rotations (row major 3x3)
  std::array<double, 12> p1{}, p2{};  // rectified projections (row major 3x4), P2[0,3] = Tx * f
  RectifiedGeometry geometry;
};

/// Computes the maps for single-eye images of width x height (on the host, OpenCV). `s` is the
/// stream the remaps will run on: the portable path's tables are prepared (on `s`) unless the
/// CPU twin, which reads the maps, would run there. Throws std::invalid_argument when the size
/// disagrees with the calibration's resolution tag (for tags of known size).
Rectification compute_rectification(const StereoCalibration& calib, int width, int height, mx::StreamOrDevice s = {});

/// out(y, x) = image sampled at map(y, x) with bilinear interpolation (cv::remap INTER_LINEAR,
/// BORDER_CONSTANT 0: neighbours outside the image contribute 0).
/// image: [H, W] or [H, W, C] uint8 or float32; map: [Ho, Wo, 2] float32 (x, y) pixels.
/// Returns [Ho, Wo(, C)] of the image's dtype (uint8 rounded to nearest and saturated).
/// Exact bilinear weights; cv::remap quantises coordinates to 1/32 px, so the two differ by at
/// most about |local gradient| / 64 plus rounding. On a CPU stream a threaded twin runs
/// (choose_impl tag "stereo.remap"); elsewhere the portable MLX path.
mx::array remap_bilinear(const mx::array& image, const mx::array& map, mx::StreamOrDevice s = {});

/// The portable path with a prepared table (image must be table.src_height x table.src_width);
/// no twin reads tables ("stereo.remap" records the portable path).
mx::array remap_bilinear(const mx::array& image, const RemapTable& table, mx::StreamOrDevice s = {});

/// Left and right images of a pair.
struct StereoPair {
  mx::array left = mx::array(0.0f);
  mx::array right = mx::array(0.0f);
};

/// Rectifies both eyes (images of the calibration's size, [H, W] or [H, W, C]) on `s`: the CPU
/// twin where it runs, else the prepared tables (the maps when none were prepared).
StereoPair rectify_pair(const Rectification& rect, const mx::array& left, const mx::array& right,
                        mx::StreamOrDevice s = {});

/// Splits a side-by-side frame [H, 2W(, C)] (left eye first, ZED layout) into its two eyes.
StereoPair split_side_by_side(const mx::array& frame, mx::StreamOrDevice s = {});

}  // namespace robomlx::stereo
