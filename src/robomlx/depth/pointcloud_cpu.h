// SPDX-License-Identifier: Apache-2.0
// CPU twin of the point cloud (a custom Primitive with one host pass per row): vertices, texture
// coordinates and librealsense's sequential monotonic occlusion scan. MLX's CPU backend runs the
// ~50 whole-image ops of the portable path one by one (~150 ms at 1280x720 here). Same float32
// operations in the same order as the portable path (contraction to FMA disabled), so results are
// identical; it supports texture intrinsics whose projection is a plain pinhole (no distortion
// model, or Brown-Conrady family with all-zero coefficients, the D400 case). choose_impl tag
// "depth.pointcloud".
#pragma once

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct PointcloudCpuParams {
  float units = 0.001f;
  bool texture = false;
  bool occlusion = false;
  Extrinsics extrinsics;
  float fx = 0, fy = 0, ppx = 0, ppy = 0;
  int width = 0, height = 0;  // texture size
};

/// depth [H, W] uint16, rays_x / rays_y [H, W] float32 -> {vertices [H, W, 3], texcoords [H, W, 2]}.
std::vector<mx::array> pointcloud_cpu(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                      const PointcloudCpuParams& params);

}  // namespace robomlx::depth
