// SPDX-License-Identifier: Apache-2.0
// Images read through OpenCV (stereo::decode_image: the header probe, the pixel cap, then
// robomlx's PNG / PGM readers or OpenCV's JPEG, BMP, TIFF, WebP and ASCII PNM decoders): any
// input either decodes to a consistent Image within the pixel cap, or throws FormatError (an
// InputLimitError included). Builds without OpenCV may also say UnsupportedFeatureError.
#include <cstdint>
#include <cstdlib>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/stereo/video.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A small cap keeps every decode cheap; the probe must refuse larger headers before decoding.
  robomlx::set_input_cap(robomlx::InputCap::pixels, 1 << 20);
  try {
    const robomlx::Image im = robomlx::stereo::decode_image(data, size, "fuzz.img");
    if (im.bytes.size() != im.num_samples() * im.sample_size()) std::abort();
    if (im.channels != 1 && im.channels != 3) std::abort();
    if (im.dtype != mlx::core::uint8 && im.dtype != mlx::core::uint16) std::abort();
    if (std::uint64_t(im.width) * im.height > (1u << 20) || im.width <= 0 || im.height <= 0) std::abort();
  } catch (const robomlx::FormatError&) {
  } catch (const robomlx::UnsupportedFeatureError&) {
  }
  return 0;
}
