// SPDX-License-Identifier: Apache-2.0
// Image sizes read from file headers without decoding anything, so that the pixel cap
// (input_policy.h) is enforced before a decoder allocates: the only way to do so for images
// decoded by OpenCV, whose cv::imread has no header-only API (its own limit is 2^30 pixels,
// fixed when the library loads). Formats: PNG (IHDR), PGM/PPM/PBM (P1-P6), JPEG (the SOFn
// frame header), BMP (BITMAPINFOHEADER or the OS/2 core header), TIFF (the first IFD's
// ImageWidth / ImageLength; classic TIFF, not BigTIFF) and WebP (VP8, VP8L, VP8X).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace robomlx {

struct ImageHeader {
  std::string format;  // "PNG", "PNM", "JPEG", "BMP", "TIFF", "WebP"
  std::uint64_t width = 0;
  std::uint64_t height = 0;
};

/// The format and size an image file declares. Throws FormatError(name, ...) for data in none
/// of the formats above ("not a recognised image ...") and for a recognised header that is
/// truncated or malformed (naming the format and the field).
ImageHeader probe_image(const void* data, std::size_t size, const std::string& name);

/// Whether a JPEG's data reach its end-of-image marker (EOI) after the first scan. libjpeg, as
/// OpenCV drives it, decodes a truncated file into an image whose missing rows are grey and
/// says nothing; this check is how read_image refuses one instead.
bool jpeg_has_end(const void* data, std::size_t size);

/// probe_image, then the pixel cap (check_image_size): InputLimitError when it is exceeded.
ImageHeader probe_image_checked(const void* data, std::size_t size, const std::string& name);

}  // namespace robomlx
