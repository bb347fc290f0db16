// SPDX-License-Identifier: Apache-2.0
// JPEG decoding through libjpeg-turbo (linked privately), and the PNG-or-JPEG file reader the
// photo-consuming systems share (splat captures, vision models). Decoded JPEGs are RGB uint8 HWC.
// Errors are FormatError(name, what), untagged: each system re-tags them with its own op
// ("[splat.images] ...", "[vision.image] ..."). The pixels cap is checked from the header
// (InputLimitError) before anything is allocated.
#pragma once

#include <cstddef>
#include <string>

#include "robomlx/core/image.h"

namespace robomlx {

/// Decodes a JPEG held in memory (`name` in messages) to RGB uint8. A file whose data stop
/// before the end of the image is refused (libjpeg would fill the missing rows with grey).
Image decode_jpeg(const void* data, std::size_t size, const std::string& name = "<memory>");

/// Reads a PNG (core's libpng reader: grey, grey+alpha, RGB, RGBA; 8 or 16 bit) or a JPEG, by
/// content, not by extension. Other formats: FormatError "<FMT> images are not supported: PNG or JPEG".
Image read_png_or_jpeg(const std::string& path);

}  // namespace robomlx
