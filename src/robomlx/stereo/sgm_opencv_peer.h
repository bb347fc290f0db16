// SPDX-License-Identifier: Apache-2.0
// OpenCV peer for benchmarks and evaluation: cv::StereoSGBM behind a plain interface, so that
// callers outside the library need no OpenCV headers (the library links OpenCV privately).
#pragma once

#include <string>
#include <utility>

#include <mlx/array.h>

namespace robomlx::stereo {

namespace mx = mlx::core;

/// cv::StereoSGBM, MODE_SGBM_3WAY, block 5, P1 = 8*25, P2 = 32*25, uniqueness 10,
/// disp12MaxDiff 1, speckle window 100 / range 32, on grey [H, W] images (uint8 or float32
/// 0..255; converted to uint8 on the host). Returns [H, W] float32 disparity, -1 = invalid.
/// num_disparities is rounded up to a multiple of 16 (OpenCV requires it). Blocks (host).
// no stream: a peer that runs OpenCV on the host
mx::array opencv_sgbm(const mx::array& left, const mx::array& right, int num_disparities);

/// A realistic grey stereo pair of size h x w for benchmarks: the Middlebury "cones" pair
/// (shared/data/stereo/middlebury-v2) scaled by h / 375 (bilinear, so disparities scale with
/// it: <= 60 * h / 375 px) and repeated along x to width w. Returns {left, right} float32 [H, W].
/// Throws std::runtime_error when the images cannot be read.
// no stream: reads and scales files on the host (OpenCV)
std::pair<mx::array, mx::array> middlebury_bench_pair(const std::string& shared_dir, int h, int w);

}  // namespace robomlx::stereo
