// SPDX-License-Identifier: Apache-2.0
// Middlebury info.txt (stereo eval): any input either parses into values inside the documented
// ranges (scale in [1, 255], max disparity in [1, 1024]) or throws FormatError; never UB.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/stereo/metrics.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto info = robomlx::stereo::parse_scene_info(std::string_view(reinterpret_cast<const char*>(data), size),
                                                        "info.txt");
    if (!(info.scale >= 1 && info.scale <= 255)) std::abort();
    if (info.max_disparity < 1 || info.max_disparity > 1024) std::abort();
  } catch (const robomlx::FormatError&) {
  }
  return 0;
}
