// SPDX-License-Identifier: Apache-2.0
// Internal: plane-wise camera math behind depth_to_points.h / align.h. Each coordinate is its own
// contiguous [H, W] float32 array, which keeps MLX's CPU kernels on their contiguous fast path
// (slicing a channel out of [H, W, 3] makes every following op strided and several times slower).
// Every op runs on the stream it is given.
#pragma once

#include <mlx/ops.h>
#include <mlx/stream.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth::detail {

/// Arithmetic on one stream (MLX's operators a * b always use the default stream).
struct StreamMath {
  mx::Stream s;
  mx::array add(const mx::array& a, const mx::array& b) const { return mx::add(a, b, s); }
  mx::array sub(const mx::array& a, const mx::array& b) const { return mx::subtract(a, b, s); }
  mx::array mul(const mx::array& a, const mx::array& b) const { return mx::multiply(a, b, s); }
  mx::array div(const mx::array& a, const mx::array& b) const { return mx::divide(a, b, s); }
};

struct PlanesXY {
  mx::array x{0}, y{0};
};
struct PlanesXYZ {
  mx::array x{0}, y{0}, z{0};
};

/// Normalised rays of pixels (u + offset, v + offset): see deproject_rays (depth_to_points.h).
PlanesXY deproject_ray_planes(const Intrinsics& in, int height, int width, float offset, mx::Stream s);
/// p' = R p + t in librealsense's SSE operation order r0 x + (r3 y + (r6 z + t0)).
PlanesXYZ transform_planes(const PlanesXYZ& p, const Extrinsics& e, mx::Stream s);
/// rs2_project_point_to_pixel.
PlanesXY project_planes(const PlanesXYZ& p, const Intrinsics& in, mx::Stream s);

}  // namespace robomlx::depth::detail
