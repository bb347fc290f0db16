// SPDX-License-Identifier: Apache-2.0
// ZED SN<serial>.conf parser: any input either parses every resolution it lists into values
// inside the documented physical ranges (README, "Input policies"), or throws FormatError /
// std::invalid_argument (never crashes, never hands on 1e20 or NaN).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/stereo/calibration.h"

namespace {
bool in(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

void check_ranges(const robomlx::stereo::StereoCalibration& c) {
  const auto size = robomlx::stereo::zed_resolution_size(c.resolution);
  const double w = size ? size->first : 32768, h = size ? size->second : 32768;
  for (const auto* eye : {&c.left, &c.right}) {
    if (!in(eye->fx, 1, 1e5) || !in(eye->fy, 1, 1e5)) std::abort();
    if (!in(eye->cx, 0, w) || !in(eye->cy, 0, h)) std::abort();
    for (int i : {0, 1, 4})
      if (!in(eye->distortion[i], -10, 10)) std::abort();
    for (int i : {2, 3})
      if (!in(eye->distortion[i], -1, 1)) std::abort();
  }
  if (!in(std::fabs(c.translation_mm[0]), 1, 1e4)) std::abort();
  for (double t : c.translation_mm)
    if (!in(t, -1e4, 1e4)) std::abort();
  for (double r : c.rotation)
    if (!in(r, -0.5, 0.5)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& tag : robomlx::stereo::zed_calibration_resolutions(text, "fuzz.conf")) {
      try {
        const auto c = robomlx::stereo::parse_zed_calibration(text, tag, "fuzz.conf");
        if (c.resolution != tag) std::abort();
        check_ranges(c);
      } catch (const robomlx::FormatError&) {
      }
    }
    check_ranges(robomlx::stereo::parse_zed_calibration(text, "hd", "fuzz.conf"));
  } catch (const robomlx::FormatError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
