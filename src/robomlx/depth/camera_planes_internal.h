// SPDX-License-Identifier: Apache-2.0
// Plane-wise camera math behind pointcloud.h / align.h: each coordinate is its own contiguous
// [H, W] float32 array, which keeps MLX's CPU kernels on their contiguous fast path (slicing a
// channel out of [H, W, 3] makes every following op strided and several times slower).
#pragma once

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct PlanesXY {
  mx::array x{0}, y{0};
};
struct PlanesXYZ {
  mx::array x{0}, y{0}, z{0};
};

/// Normalised rays of pixels (u + offset, v + offset): see deproject_rays.
PlanesXY deproject_ray_planes(const Intrinsics& in, int height, int width, float offset);
/// p' = R p + t in librealsense's SSE operation order r0 x + (r3 y + (r6 z + t0)).
PlanesXYZ transform_planes(const PlanesXYZ& p, const Extrinsics& e);
/// rs2_project_point_to_pixel.
PlanesXY project_planes(const PlanesXYZ& p, const Intrinsics& in);

}  // namespace robomlx::depth
