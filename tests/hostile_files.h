// SPDX-License-Identifier: Apache-2.0
// Small hostile inputs built at run time (never committed): image headers that claim any size
// over a few bytes of data, and a helper to write them. Shared by the input-policy tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

namespace robomlx::test {

inline std::string write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline std::string slurp_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}
inline std::string le16(std::uint32_t v) { return {char(v & 0xff), char((v >> 8) & 0xff)}; }
inline std::string le32(std::uint32_t v) { return le16(v & 0xffff) + le16(v >> 16); }

// CRC-32 (ISO-HDLC), as PNG chunks carry it: libpng checks the IHDR's before reading its size.
inline std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  return be32(std::uint32_t(data.size())) + type + data + be32(crc32(type + data));
}

/// A PNG that declares width x height 8-bit RGB and holds a few bytes of (corrupt) image data:
/// a reader that allocates from the header before checking a cap would ask for w*h*3 bytes.
inline std::string png_claiming(std::uint32_t width, std::uint32_t height) {
  const std::string ihdr = be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", std::string(16, '\x55')) +
         png_chunk("IEND", "");
}

/// A baseline JPEG's start (SOI, SOF0 declaring width x height, 3 components), no scan data.
inline std::string jpeg_claiming(std::uint32_t width, std::uint32_t height) {
  std::string sof = std::string("\xff\xc0\x00\x11\x08", 5) + char(height >> 8) + char(height & 0xff) + char(width >> 8) +
                    char(width & 0xff) + std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  return std::string("\xff\xd8", 2) + sof + std::string("\xff\xd9", 2);
}

/// A BMP file header + BITMAPINFOHEADER declaring width x height at 24 bits, no pixels.
inline std::string bmp_claiming(std::uint32_t width, std::uint32_t height) {
  return "BM" + le32(54) + le32(0) + le32(54) + le32(40) + le32(width) + le32(height) + le16(1) + le16(24) +
         std::string(24, '\0');
}

/// A little-endian TIFF whose first IFD declares ImageWidth x ImageLength (LONG), no strips.
inline std::string tiff_claiming(std::uint32_t width, std::uint32_t height) {
  return std::string("II*\0", 4) + le32(8) + le16(2) + le16(256) + le16(4) + le32(1) + le32(width) + le16(257) + le16(4) +
         le32(1) + le32(height) + le32(0);
}

/// A WebP (VP8X) declaring a width x height canvas (each at most 2^24), no image chunk.
inline std::string webp_claiming(std::uint32_t width, std::uint32_t height) {
  auto le24 = [](std::uint32_t v) { return std::string{char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff)}; };
  const std::string vp8x = "VP8X" + le32(10) + std::string(4, '\0') + le24(width - 1) + le24(height - 1);
  return "RIFF" + le32(std::uint32_t(4 + vp8x.size())) + "WEBP" + vp8x;
}

/// A binary PGM header declaring width x height 8-bit, with `payload` bytes of samples.
inline std::string pgm_claiming(std::uint32_t width, std::uint32_t height, std::size_t payload = 0) {
  return "P5\n" + std::to_string(width) + " " + std::to_string(height) + "\n255\n" + std::string(payload, '\0');
}

}  // namespace robomlx::test
