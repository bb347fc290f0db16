// SPDX-License-Identifier: Apache-2.0
// Disparity transform (librealsense rs2::disparity_transform, src/proc/disparity-transform.h) and
// the units transform (src/proc/units-transform.cpp).
//
// K = float32(baseline_mm * 0.001f) * fx * 32 / depth_units, all float32, fx of the frame's own
// intrinsics (decimated frames carry fx/s), 32 = 1/32-pixel disparity units.
//   depth -> disparity: Z16 [H, W] uint16 -> DISPARITY32 [H, W] float32, K / z (0 stays 0).
//   disparity -> depth: DISPARITY32 -> Z16, (uint16)(K / d + 0.5f) for normal d, else 0
//     (results above 65535 wrap modulo 2^16 like the C cast on x86).
// A frame without a baseline (baseline_mm <= 0) or with bad fx throws (librealsense would return an
// empty frame). Both blocks have no options: "depth2disparity", "disparity2depth".
//
// Implementations (core/dispatch.h, tags "depth.depth2disparity" and "depth.disparity2depth"):
// portable MLX ops, a threaded CPU Primitive and a CUDA kernel (one thread per pixel), bit for bit
// equal. The units transform is portable only.
#pragma once

#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

/// The conversion factor K above, validated (throws for missing baseline, bad fx or units).
float disparity_factor(const Frame& frame, const char* tag);

Frame depth_to_disparity(const Frame& depth, mx::StreamOrDevice s = {});
Frame disparity_to_depth(const Frame& disparity, mx::StreamOrDevice s = {});

/// Z16 -> float32 metres, z * depth_units. The result is tagged distance32f with depth_units 1 and
/// no baseline; blocks that expect z16 or disparity32 refuse it.
Frame units_transform(const Frame& depth, mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
