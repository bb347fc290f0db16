// SPDX-License-Identifier: Apache-2.0
// Disparity files and pictures: KITTI 16-bit PNG, PFM (float) and a colourised disparity.
#pragma once

#include <string>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::stereo {

namespace mx = mlx::core;

/// KITTI convention: uint16 value = round(disparity * 256), 0 = invalid (disparity <= 0, non
/// finite, or too large for 16 bits). [H, W] float32 -> [H, W] uint16.
mx::array disparity_to_kitti(const mx::array& disparity, mx::StreamOrDevice s = {});
/// Inverse: [H, W] uint16 -> float32 disparity, 0 -> -1 (invalid).
mx::array kitti_to_disparity(const mx::array& kitti, mx::StreamOrDevice s = {});

/// Writes the KITTI PNG atomically.
void write_kitti_disparity(const std::string& path, const mx::array& disparity);
/// Reads a KITTI 16-bit disparity PNG as float32 (invalid = -1).
// no stream: reads a file (the decoded values are converted on the default stream)
mx::array read_kitti_disparity(const std::string& path);

/// PFM ("Pf", one channel, little endian, rows bottom to top, as Middlebury v3). Invalid
/// pixels (< 0 or non finite) are stored as +inf, the Middlebury convention. Atomic.
void write_pfm(const std::string& path, const mx::array& disparity);
/// Reads a one-channel PFM (either endianness) as [H, W] float32; +-inf and NaN -> -1.
/// Throws FormatError naming the file for a bad header or short payload.
// no stream: reads a file into a host-built array
mx::array read_pfm(const std::string& path);

/// Writes KITTI PNG or, when `path` ends in ".pfm", PFM.
void write_disparity(const std::string& path, const mx::array& disparity);

/// False-colour picture of a disparity map: values in [lo, hi] mapped through the "turbo"
/// colour map (blue = far / small disparity, red = near), invalid (< 0) black.
/// [H, W] float32 -> [H, W, 3] uint8. hi <= lo means "use the valid range of the map" (then the
/// range is evaluated on `s` before the colours are built).
mx::array colorize_disparity(const mx::array& disparity, float lo = 0, float hi = 0, mx::StreamOrDevice s = {});

}  // namespace robomlx::stereo
