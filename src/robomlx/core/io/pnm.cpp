// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/io/pnm.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/atomic_file.h"

namespace robomlx {

namespace {

std::vector<char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open file");
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Reads one header integer, skipping whitespace and '#' comments.
long long header_int(const unsigned char* p, std::size_t size, std::size_t& pos, const std::string& name,
                     const char* field) {
  for (;;) {
    while (pos < size && std::isspace(p[pos])) ++pos;
    if (pos < size && p[pos] == '#') {
      while (pos < size && p[pos] != '\n') ++pos;
      continue;
    }
    break;
  }
  if (pos >= size || !std::isdigit(p[pos])) throw FormatError(name, std::string("PNM header: missing ") + field);
  long long v = 0;
  while (pos < size && std::isdigit(p[pos])) {
    v = v * 10 + (p[pos++] - '0');
    if (v > std::numeric_limits<int>::max()) throw FormatError(name, std::string("PNM header: ") + field + " too large");
  }
  return v;
}

}  // namespace

Image decode_pnm(const void* data, std::size_t size, const std::string& name) {
  const auto* p = static_cast<const unsigned char*>(data);
  if (size < 2 || p[0] != 'P' || (p[1] != '5' && p[1] != '6')) {
    throw FormatError(name, "not a binary PGM/PPM file (magic must be P5 or P6)");
  }
  const int channels = p[1] == '5' ? 1 : 3;
  std::size_t pos = 2;
  long long width = header_int(p, size, pos, name, "width");
  long long height = header_int(p, size, pos, name, "height");
  long long maxval = header_int(p, size, pos, name, "maxval");
  if (width <= 0 || height <= 0) throw FormatError(name, "PNM header: width and height must be > 0");
  check_image_size(std::uint64_t(width), std::uint64_t(height), name, channels == 1 ? "PGM image" : "PPM image");
  if (maxval <= 0 || maxval > 65535) {
    throw FormatError(name, "PNM header: maxval must be in [1, 65535], got " + std::to_string(maxval));
  }
  if (pos >= size || !std::isspace(p[pos])) throw FormatError(name, "PNM header: missing whitespace after maxval");
  ++pos;  // exactly one whitespace byte separates the header from the samples
  const int sample = maxval > 255 ? 2 : 1;
  const unsigned long long need = static_cast<unsigned long long>(width) * height * channels * sample;
  if (need > size - pos) {
    throw FormatError(name, "PNM payload truncated: expected " + std::to_string(need) + " bytes of samples, got " +
                                std::to_string(size - pos));
  }
  Image image = Image::zeros(static_cast<int>(height), static_cast<int>(width), channels,
                             sample == 2 ? mx::uint16 : mx::uint8);
  if (sample == 1) {
    std::copy(p + pos, p + pos + need, image.bytes.begin());
  } else {
    auto* out = image.data<std::uint16_t>();
    for (std::size_t i = 0; i < image.num_samples(); ++i) {
      out[i] = static_cast<std::uint16_t>((p[pos + 2 * i] << 8) | p[pos + 2 * i + 1]);
    }
  }
  return image;
}

Image read_pnm(const std::string& path) {
  auto bytes = slurp(path);
  return decode_pnm(bytes.data(), bytes.size(), path);
}

void write_pnm(const std::string& path, const Image& image) {
  if (image.channels != 1 && image.channels != 3) {
    fail_argument("core.pnm", "PGM/PPM need 1 or 3 channels, got " + std::to_string(image.channels) + " for " + path);
  }
  if (image.dtype != mx::uint8 && image.dtype != mx::uint16) {
    fail_argument("core.pnm", "PGM/PPM need uint8 or uint16 samples, got " + dtype_name(image.dtype) + " for " + path);
  }
  const bool sixteen = image.dtype == mx::uint16;
  std::string out = std::string(image.channels == 1 ? "P5" : "P6") + "\n" + std::to_string(image.width) + " " +
                    std::to_string(image.height) + "\n" + (sixteen ? "65535" : "255") + "\n";
  if (sixteen) {
    const auto* in = image.data<std::uint16_t>();
    for (std::size_t i = 0; i < image.num_samples(); ++i) {
      out.push_back(static_cast<char>(in[i] >> 8));
      out.push_back(static_cast<char>(in[i] & 0xff));
    }
  } else {
    out.append(reinterpret_cast<const char*>(image.bytes.data()), image.bytes.size());
  }
  write_file_atomically(path, out);
}

std::vector<float> read_raw_f32(const std::string& path, std::size_t count) {
  auto bytes = slurp(path);
  if (bytes.size() != count * sizeof(float)) {
    throw FormatError(path, "raw float32 file has " + std::to_string(bytes.size()) + " bytes, expected " +
                                std::to_string(count * sizeof(float)) + " (" + std::to_string(count) + " values)");
  }
  std::vector<float> values(count);
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

}  // namespace robomlx
