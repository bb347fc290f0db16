// SPDX-License-Identifier: Apache-2.0
// Binary PGM (P5) and PPM (P6), 8- or 16-bit (maxval <= 255 or <= 65535). 16-bit samples are
// big-endian on disk (the PNM spec) and native uint16 in memory. This is the golden-vector format
// of shared/golden/realsense (Z16 depth as P5 maxval 65535, RGB8 as P6).
#pragma once

#include <string>
#include <vector>

#include "robomlx/core/image.h"

namespace robomlx {

/// Reads P5 (1 channel) or P6 (3 channels); comments (#) in the header are allowed.
/// Throws FormatError naming the file and the header field or the short payload.
Image read_pnm(const std::string& path);
Image decode_pnm(const void* data, std::size_t size, const std::string& name = "<memory>");

/// Writes a 1-channel image as P5 or a 3-channel image as P6, uint8 (maxval 255) or uint16
/// (maxval 65535), atomically.
void write_pnm(const std::string& path, const Image& image);

/// Reads a headerless little-endian float32 file (the golden `.f32` format) of exactly
/// `count` values; throws FormatError on a size mismatch.
std::vector<float> read_raw_f32(const std::string& path, std::size_t count);

}  // namespace robomlx
