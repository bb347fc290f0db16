// SPDX-License-Identifier: Apache-2.0
// Header-only size probes; every read is bounds-checked (the fuzzer drives these through
// fuzz/image_probe_fuzz.cpp).
#include "robomlx/core/io/image_probe.h"

#include <cctype>
#include <cstring>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"

namespace robomlx {

namespace {

class Bytes {
 public:
  Bytes(const void* data, std::size_t size, const std::string& name, const char* format)
      : p_(static_cast<const unsigned char*>(data)), size_(size), name_(name), format_(format) {}
  std::size_t size() const { return size_; }
  bool has(std::size_t pos, std::size_t n) const { return pos <= size_ && n <= size_ - pos; }
  unsigned at(std::size_t pos, const char* field) const {
    need(pos, 1, field);
    return p_[pos];
  }
  std::uint32_t le(std::size_t pos, int n, const char* field) const {
    need(pos, std::size_t(n), field);
    std::uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p_[pos + i];
    return v;
  }
  std::uint32_t be(std::size_t pos, int n, const char* field) const {
    need(pos, std::size_t(n), field);
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p_[pos + i];
    return v;
  }
  void need(std::size_t pos, std::size_t n, const char* field) const {
    if (!has(pos, n)) fail(std::string("header truncated in the ") + field + " (" + std::to_string(size_) + " bytes)");
  }
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(name_, std::string(format_) + " " + what); }

 private:
  const unsigned char* p_;
  std::size_t size_;
  const std::string& name_;
  const char* format_;
};

bool starts(const void* data, std::size_t size, const char* magic, std::size_t n) {
  return size >= n && std::memcmp(data, magic, n) == 0;
}

ImageHeader png(const Bytes& b) {
  if (b.be(12, 4, "first chunk type") != 0x49484452u) b.fail("first chunk must be IHDR");
  return {"PNG", b.be(16, 4, "IHDR width"), b.be(20, 4, "IHDR height")};
}

ImageHeader pnm(const Bytes& b) {
  std::size_t pos = 2;
  auto number = [&](const char* field) {
    for (;;) {
      while (b.has(pos, 1) && std::isspace(static_cast<unsigned char>(b.at(pos, field)))) ++pos;
      if (b.has(pos, 1) && b.at(pos, field) == '#') {
        while (b.has(pos, 1) && b.at(pos, field) != '\n') ++pos;
        continue;
      }
      break;
    }
    if (!b.has(pos, 1) || !std::isdigit(static_cast<unsigned char>(b.at(pos, field))))
      b.fail(std::string("header: missing ") + field);
    std::uint64_t v = 0;
    while (b.has(pos, 1) && std::isdigit(static_cast<unsigned char>(b.at(pos, field)))) {
      v = v * 10 + (b.at(pos++, field) - '0');
      if (v > 0xffffffffull) b.fail(std::string("header: ") + field + " too large");
    }
    return v;
  };
  const std::uint64_t w = number("width");
  const std::uint64_t h = number("height");
  return {"PNM", w, h};
}

ImageHeader jpeg(const Bytes& b) {
  std::size_t pos = 2;
  for (;;) {
    if (!b.has(pos, 1)) b.fail("has no frame header (SOFn) before the end of the data");
    if (b.at(pos, "marker") != 0xFF) b.fail("expected a marker at byte " + std::to_string(pos));
    while (b.has(pos, 1) && b.at(pos, "marker") == 0xFF) ++pos;  // fill bytes
    const unsigned m = b.at(pos, "marker");
    ++pos;
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length field
    if (m == 0xD9 || m == 0xDA) b.fail("has no frame header (SOFn) before its scan data");
    const std::uint32_t len = b.be(pos, 2, "segment length");
    if (len < 2) b.fail("segment length " + std::to_string(len) + " at byte " + std::to_string(pos) + " is below 2");
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      const std::uint32_t h = b.be(pos + 3, 2, "SOF height"), w = b.be(pos + 5, 2, "SOF width");
      if (w == 0) b.fail("frame width is 0");
      if (h == 0) b.fail("frame height is 0 (defined later by a DNL marker: not supported)");
      return {"JPEG", w, h};
    }
    pos += len;
  }
}

ImageHeader bmp(const Bytes& b) {
  const std::uint32_t dib = b.le(14, 4, "DIB header size");
  if (dib == 12) return {"BMP", b.le(18, 2, "width"), b.le(20, 2, "height")};
  if (dib < 16) b.fail("DIB header size " + std::to_string(dib) + " is not a known header");
  const auto w = std::int32_t(b.le(18, 4, "width")), h = std::int32_t(b.le(22, 4, "height"));
  if (w <= 0) b.fail("width must be > 0, got " + std::to_string(w));
  if (h == 0) b.fail("height must not be 0");
  return {"BMP", std::uint64_t(w), std::uint64_t(h < 0 ? -std::int64_t(h) : std::int64_t(h))};
}

ImageHeader tiff(const Bytes& b, bool little) {
  auto num = [&](std::size_t pos, int n, const char* field) { return little ? b.le(pos, n, field) : b.be(pos, n, field); };
  if (num(2, 2, "version") == 43) b.fail("BigTIFF files are not supported");
  const std::uint32_t ifd = num(4, 4, "first IFD offset");
  const std::uint32_t count = num(ifd, 2, "IFD entry count");
  std::uint64_t w = 0, h = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t e = std::size_t(ifd) + 2 + std::size_t(i) * 12;
    const std::uint32_t tag = num(e, 2, "IFD entry"), type = num(e + 2, 2, "IFD entry");
    if (tag != 256 && tag != 257) continue;
    std::uint32_t v = 0;
    if (type == 3) v = num(e + 8, 2, "IFD entry");
    else if (type == 4) v = num(e + 8, 4, "IFD entry");
    else b.fail(std::string(tag == 256 ? "ImageWidth" : "ImageLength") + " has type " + std::to_string(type) +
                " (expected SHORT or LONG)");
    (tag == 256 ? w : h) = v;
  }
  if (w == 0 || h == 0) b.fail("first IFD lacks a non-zero ImageWidth and ImageLength");
  return {"TIFF", w, h};
}

ImageHeader webp(const Bytes& b) {
  const std::uint32_t chunk = b.be(12, 4, "first chunk type");
  if (chunk == 0x56503820u) {  // "VP8 "
    if (b.be(23, 3, "VP8 start code") != 0x9d012a) b.fail("VP8 start code missing");
    return {"WebP", b.le(26, 2, "VP8 width") & 0x3fffu, b.le(28, 2, "VP8 height") & 0x3fffu};
  }
  if (chunk == 0x5650384cu) {  // "VP8L"
    if (b.at(20, "VP8L signature") != 0x2f) b.fail("VP8L signature missing");
    const std::uint32_t bits = b.le(21, 4, "VP8L size");
    return {"WebP", (bits & 0x3fffu) + 1, ((bits >> 14) & 0x3fffu) + 1};
  }
  if (chunk == 0x56503858u) {  // "VP8X"
    return {"WebP", std::uint64_t(b.le(24, 3, "VP8X canvas width")) + 1, std::uint64_t(b.le(27, 3, "VP8X canvas height")) + 1};
  }
  b.fail("first chunk must be VP8, VP8L or VP8X");
}

}  // namespace

ImageHeader probe_image(const void* data, std::size_t size, const std::string& name) {
  const auto* p = static_cast<const unsigned char*>(data);
  ImageHeader h;
  if (starts(data, size, "\x89PNG\r\n\x1a\n", 8)) {
    h = png(Bytes(data, size, name, "PNG"));
  } else if (size >= 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '6') {
    h = pnm(Bytes(data, size, name, "PGM/PPM"));
  } else if (size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
    h = jpeg(Bytes(data, size, name, "JPEG"));
  } else if (starts(data, size, "BM", 2)) {
    h = bmp(Bytes(data, size, name, "BMP"));
  } else if (starts(data, size, "II*\0", 4) || starts(data, size, "II+\0", 4)) {
    h = tiff(Bytes(data, size, name, "TIFF"), true);
  } else if (starts(data, size, "MM\0*", 4) || starts(data, size, "MM\0+", 4)) {
    h = tiff(Bytes(data, size, name, "TIFF"), false);
  } else if (starts(data, size, "RIFF", 4) && size >= 12 && std::memcmp(p + 8, "WEBP", 4) == 0) {
    h = webp(Bytes(data, size, name, "WebP"));
  } else {
    throw FormatError(name, size == 0 ? std::string("empty file, not an image")
                                      : "not a recognised image (robomlx reads PNG, PGM/PPM/PBM, JPEG, BMP, TIFF and WebP)");
  }
  if (h.width == 0 || h.height == 0) {
    throw FormatError(name, h.format + " header: width and height must be > 0, got " + std::to_string(h.width) + "x" +
                                std::to_string(h.height));
  }
  return h;
}

bool jpeg_has_end(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t pos = 2;
  bool in_scan = false;  // inside entropy-coded data, where 0xFF 0x00 and RSTn are no markers
  while (pos + 1 < size) {
    if (p[pos] != 0xFF) {
      if (!in_scan) return false;  // a marker was expected
      ++pos;
      continue;
    }
    const unsigned m = p[pos + 1];
    if (m == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (m == 0xD9) return true;
    if (in_scan && (m == 0x00 || (m >= 0xD0 && m <= 0xD7))) {
      pos += 2;
      continue;
    }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (pos + 3 >= size) return false;
    const std::size_t len = (std::size_t(p[pos + 2]) << 8) | p[pos + 3];
    if (len < 2) return false;
    pos += 2 + len;
    in_scan = m == 0xDA;  // a scan header is followed by its entropy-coded data
  }
  return false;
}

ImageHeader probe_image_checked(const void* data, std::size_t size, const std::string& name) {
  ImageHeader h = probe_image(data, size, name);
  check_image_size(h.width, h.height, name, h.format + " image");
  return h;
}

}  // namespace robomlx
