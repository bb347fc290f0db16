// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/vision_image.h"

#include <filesystem>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/jpeg.h"

namespace robomlx::vision {

namespace {

constexpr const char* kTag = "vision.image";

// Pillow's alpha_composite of (c, a) over opaque white, integer for integer: with an opaque
// destination its weights reduce to a*128 and (255-a)*128 (7 fraction bits), then a rounded
// division by 255 done as two shifts.
std::uint8_t over_white(unsigned c, unsigned a) {
  const unsigned tmp = c * (a << 7) + 255u * ((255u - a) << 7) + (0x80u << 7);
  return std::uint8_t((((tmp >> 8) + tmp) >> 8) >> 7);
}

}  // namespace

Image vision_rgb8(const Image& in, const std::string& name) {
  if (in.dtype != mx::uint8 && in.dtype != mx::uint16) throw FormatError(kTag, name, "samples must be 8 or 16 bit");
  if (in.channels < 1 || in.channels > 4) throw FormatError(kTag, name, "must have 1 to 4 channels, got " + std::to_string(in.channels));
  if (in.width < kMinImageSide || in.height < kMinImageSide)
    throw FormatError(kTag, name, "image must be at least " + std::to_string(kMinImageSide) + "x" + std::to_string(kMinImageSide) +
                                      " pixels, got " + std::to_string(in.width) + "x" + std::to_string(in.height));
  Image out = Image::zeros(in.height, in.width, 3, mx::uint8);
  const bool wide = in.dtype == mx::uint16;
  const bool alpha = in.channels == 2 || in.channels == 4;
  const int colour = alpha ? in.channels - 1 : in.channels;
  std::uint8_t* o = out.data<std::uint8_t>();
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x) {
      auto sample = [&](int c) -> unsigned { return wide ? unsigned(in.at<std::uint16_t>(y, x, c) >> 8) : in.at<std::uint8_t>(y, x, c); };
      const unsigned a = alpha ? sample(in.channels - 1) : 255u;
      for (int c = 0; c < 3; ++c) {
        const unsigned v = sample(colour == 1 ? 0 : c);
        *o++ = alpha ? over_white(v, a) : std::uint8_t(v);
      }
    }
  return out;
}

Image read_vision_image(const std::string& path) {
  try {
    if (std::filesystem::is_directory(path)) throw FormatError(kTag, path, "is a folder, expected an image file");
    return vision_rgb8(read_png_or_jpeg(path), path);
  } catch (const FormatError& e) {
    std::string_view what = e.what();
    if (what.rfind("[vision.", 0) == 0) throw;
    // core's readers name the file but no op: re-tag for this system (a size cap stays an
    // InputLimitError, whose message says how to raise the cap).
    const std::string prefix = e.file() + ": ";
    if (what.rfind(prefix, 0) == 0) what.remove_prefix(prefix.size());
    const std::string file = e.file().empty() ? path : e.file();
    if (dynamic_cast<const InputLimitError*>(&e)) throw InputLimitError(kTag, file, std::string(what));
    throw FormatError(kTag, file, std::string(what));
  }
}

}  // namespace robomlx::vision
