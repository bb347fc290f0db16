// SPDX-License-Identifier: Apache-2.0
// Decimation filter (librealsense rs2::decimation_filter, src/proc/decimation-filter.cpp).
//
// Input Z16 [H, W] uint16. Output Z16 [hp, wp] uint16 where hr = H / s, wr = W / s (remainders
// dropped) and hp, wp are hr, wr rounded up to multiples of 4 (zero padding). Each s x s block gives
// the LOWER median of its non-zero samples for s = 2, 3 (rank (n-1)/2 ascending) and the integer mean
// floor(sum / n) of the non-zero samples for s = 1 and s >= 4; 0 when all samples are 0.
// Output intrinsics: padded size, fx/s, fy/s, ppx/s, ppy/s (float division, no half-pixel shift).
// Video frames (RGB8/BGR8/RGBA8/BGRA8/Y8, uint8 [H, W(, C)]) are box-averaged including zeros,
// floor(sum / s^2) per channel, with the same geometry (librealsense reaches this path only after
// its stream filter is changed from depth).
//
// Implementations (core/dispatch.h, tag "depth.decimation", Z16 only): portable MLX ops (strided
// planes and a sorting network, or a reshaped sum), a threaded CPU Primitive, and a CUDA kernel
// (one thread per output pixel). The video path is portable only.
#pragma once

#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct DecimationOptions {
  int magnitude = 2;  // "filter_magnitude", 1..8
  void validate() const;
};

/// Decimates a Z16 frame (see file comment). Lazy; bit-exact with librealsense.
Frame decimate(const Frame& in, const DecimationOptions& options, mx::StreamOrDevice s = {});

/// The raw image path: [H, W] uint16 -> [hp, wp] uint16.
mx::array decimate_z16(const mx::array& depth, int magnitude, mx::StreamOrDevice s = {});

/// Video path: uint8 [H, W] or [H, W, C] -> [hp, wp(, C)] box average.
mx::array decimate_video(const mx::array& image, int magnitude, mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
