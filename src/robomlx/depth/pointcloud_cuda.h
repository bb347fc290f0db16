// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the point cloud (fast::cuda_kernel): one kernel per pixel for vertices, texture
// coordinates and the texture-pixel x, then (occlusion on) one thread per row for librealsense's
// sequential monotonic scan. Two launches instead of the portable path's ~50 ops. Explicit
// round-to-nearest intrinsics (__fmul_rn, __fadd_rn, __fdiv_rn) keep NVRTC from contracting to
// FMA, so results should equal the portable path bit for bit. Same support as the CPU twin: a
// pinhole texture projection. choose_impl tag "depth.pointcloud".
#pragma once

#include "robomlx/depth/pointcloud_cpu.h"

namespace robomlx::depth {

/// Same contract as pointcloud_cpu; needs a CUDA GPU stream (throws otherwise).
std::vector<mx::array> pointcloud_cuda(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                       const PointcloudCpuParams& params);

}  // namespace robomlx::depth
