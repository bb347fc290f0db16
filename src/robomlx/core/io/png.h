// SPDX-License-Identifier: Apache-2.0
// PNG read/write through libpng: 8- and 16-bit grey, grey+alpha, RGB and RGBA.
// Images are HWC uint8 (8-bit files) or uint16 (16-bit files, native byte order in memory).
#pragma once

#include <string>

#include "robomlx/core/image.h"

namespace robomlx {

/// Reads a PNG. Palette and sub-8-bit grey are expanded to 8-bit; 16-bit stays uint16.
/// Throws FormatError(path, what) for missing, truncated or malformed files.
Image read_png(const std::string& path);

/// Decodes a PNG held in memory (`name` is used in error messages).
Image decode_png(const void* data, std::size_t size, const std::string& name = "<memory>");

/// Writes uint8 or uint16 images with 1, 2, 3 or 4 channels atomically (no partial file on
/// failure). Throws std::invalid_argument for float images or other channel counts.
void write_png(const std::string& path, const Image& image);

}  // namespace robomlx
