// SPDX-License-Identifier: Apache-2.0
// Disparity -> depth for a rectified pair: depth = focal_px * baseline / disparity.
#pragma once

#include <string>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::stereo {

namespace mx = mlx::core;

enum class DepthUnit { millimetre, metre };

/// disparity: [H, W] float32 pixels, left view (invalid < 0, e.g. the matcher's -1).
/// focal_px: rectified focal length; baseline_mm: rectified baseline in millimetres (> 0).
/// Returns [H, W] float32 depth in `unit`; pixels with disparity <= 0 or non-finite -> 0.
mx::array disparity_to_depth(const mx::array& disparity, double focal_px, double baseline_mm,
                             DepthUnit unit = DepthUnit::millimetre, mx::StreamOrDevice s = {});

/// Depth in mm -> uint16 PNG16 convention: rounded millimetres, 0 = invalid, values above
/// 65535 mm (and invalid) -> 0. [H, W] float32 -> [H, W] uint16.
mx::array depth_to_mm16(const mx::array& depth_mm, mx::StreamOrDevice s = {});

/// "mm" / "m" parsing and naming for configs and messages.
DepthUnit parse_depth_unit(const std::string& s);
const char* depth_unit_name(DepthUnit unit);

}  // namespace robomlx::stereo
