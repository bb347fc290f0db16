// SPDX-License-Identifier: Apache-2.0
// The photos of a capture: PNG and JPEG (core/io/png.h, core/io/jpeg.h), the formats
// COLMAP, nerfstudio and the NeRF-synthetic sets ship. Sizes can be read from the header alone,
// which is how load_capture checks every image against its camera without decoding any.
//
// Decoded images are HWC, as the file holds them: uint8 (8-bit PNG, JPEG) or uint16 (16-bit
// PNG); grey, grey+alpha, RGB or RGBA for PNG (NeRF-synthetic PNGs are RGBA: compositing over a
// background is the trainer's choice), always RGB for JPEG. Errors are FormatError
// "[splat.images] <file>: <what>"; the pixels cap is checked from the header (InputLimitError).
#pragma once

#include <cstddef>
#include <string>

#include "robomlx/core/image.h"
#include "robomlx/core/io/image_probe.h"

namespace robomlx::splat {

/// Format ("PNG" or "JPEG") and size from the file's header (reads the first 64 KiB, more only
/// when a JPEG's frame header comes later). A missing file, a folder, another format
/// ("BMP images are not supported: PNG or JPEG") and a truncated header are FormatErrors.
ImageHeader probe_capture_image(const std::string& path);

/// Decodes a PNG or a JPEG (by content, not by extension).
Image read_capture_image(const std::string& path);

/// core's decode_jpeg with this system's error tag.
Image decode_capture_jpeg(const void* data, std::size_t size, const std::string& name = "<memory>");

}  // namespace robomlx::splat
