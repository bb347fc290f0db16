// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/disparity_to_depth.h"

#include <cmath>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"

namespace robomlx::stereo {

mx::array disparity_to_depth(const mx::array& disparity, double focal_px, double baseline_mm, DepthUnit unit,
                             mx::StreamOrDevice s) {
  constexpr const char* tag = "stereo.depth";
  check_ndim(tag, "disparity", disparity, 2);
  check_dtype(tag, "disparity", disparity, {mx::float32});
  check_range(tag, "focal_px", focal_px, 1e-6, 1e7);
  check_range(tag, "baseline_mm", baseline_mm, 1e-6, 1e7);
  const double scale = unit == DepthUnit::metre ? 1e-3 : 1.0;
  const float fb = float(focal_px * baseline_mm * scale);
  const mx::array valid =
      mx::logical_and(mx::greater(disparity, mx::array(0.0f), s), mx::isfinite(disparity, s), s);
  // The divisor is made 1 where invalid so no inf/NaN is ever produced, even transiently.
  const mx::array safe = mx::where(valid, disparity, mx::array(1.0f), s);
  return mx::where(valid, mx::divide(mx::array(fb), safe, s), mx::array(0.0f), s);
}

mx::array depth_to_mm16(const mx::array& depth_mm, mx::StreamOrDevice s) {
  check_ndim("stereo.depth_png", "depth", depth_mm, 2);
  const mx::array r = mx::round(mx::astype(depth_mm, mx::float32, s), 0, s);
  const mx::array in_range =
      mx::logical_and(mx::greater(r, mx::array(0.0f), s), mx::less_equal(r, mx::array(65535.0f), s), s);
  const mx::array ok = mx::logical_and(mx::isfinite(r, s), in_range, s);
  return mx::astype(mx::where(ok, r, mx::array(0.0f), s), mx::uint16, s);
}

DepthUnit parse_depth_unit(const std::string& s) {
  if (s == "mm") return DepthUnit::millimetre;
  if (s == "m") return DepthUnit::metre;
  throw std::invalid_argument("[stereo.depth] depth unit must be 'mm' or 'm', got '" + s + "'");
}

const char* depth_unit_name(DepthUnit unit) { return unit == DepthUnit::metre ? "m" : "mm"; }

}  // namespace robomlx::stereo
