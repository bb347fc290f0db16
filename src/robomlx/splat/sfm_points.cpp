// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/sfm_points.h"

#include <mlx/transforms.h>

#include "robomlx/core/point_cloud.h"
#include "robomlx/splat/splat_error_internal.h"

namespace robomlx::splat {

SfmPoints read_sfm_points_ply(const std::string& path) {
  // core's loader already applies the caps and rejects non-finite rows by name.
  const PointCloud cloud = detail::with_tag("splat.ply", [&] { return load_point_cloud_ply(path); });
  SfmPoints p;
  p.xyz = cloud.positions;
  p.rgb = cloud.colors ? *cloud.colors : mx::full({cloud.size(), 3}, 128, mx::uint8);
  mx::eval(p.xyz, p.rgb);
  return p;
}

}  // namespace robomlx::splat
