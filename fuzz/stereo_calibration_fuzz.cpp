// SPDX-License-Identifier: Apache-2.0
// ZED SN<serial>.conf parser: any input either parses every resolution it lists into finite,
// positive-focal intrinsics, or throws FormatError / std::invalid_argument (never crashes).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/stereo/calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& tag : robomlx::stereo::zed_calibration_resolutions(text, "fuzz.conf")) {
      try {
        const auto c = robomlx::stereo::parse_zed_calibration(text, tag, "fuzz.conf");
        if (!(c.left.fx > 0) || !(c.right.fy > 0) || !std::isfinite(c.translation_mm[0])) std::abort();
        if (c.resolution != tag) std::abort();
      } catch (const robomlx::FormatError&) {
      }
    }
    robomlx::stereo::parse_zed_calibration(text, "hd", "fuzz.conf");
  } catch (const robomlx::FormatError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
