// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind Pointcloud::calculate() (depth_to_points.h). Arguments are
// validated by the caller: depth [H, W] uint16, rays_x / rays_y [H, W] float32 (deprojected pixel
// rays with z = 1). Each returns {vertices [H, W, 3], texcoords [H, W, 2]} float32; the same
// float32 operations in the same order everywhere (no FMA contraction), so results are identical.
#pragma once

#include <cstdint>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/cpu_isa_internal.h"
#include "robomlx/depth/frame.h"

namespace robomlx::depth::detail {

/// What the twins need: a texture whose projection is a plain pinhole.
struct DepthToPointsParams {
  float units = 0.001f;
  bool texture = false;
  bool occlusion = false;
  Extrinsics extrinsics;
  float fx = 0, fy = 0, ppx = 0, ppy = 0;
  int width = 0, height = 0;  // texture size
  // No texture only: rays_x is [1, W] and rays_y [H, 1], the planes' first row and column (the
  // caller checked that the planes repeat them bit for bit).
  bool separable_rays = false;
};

/// MLX ops only (any device, every camera model): ~50 whole-image ops, librealsense's sequential
/// occlusion scan as running maxima. `texture` null: no texture mapping.
std::vector<mx::array> depth_to_points_portable(const mx::array& depth, const mx::array& rays_x,
                                                const mx::array& rays_y, float units, const Intrinsics* texture,
                                                const Extrinsics& extrinsics, bool occlusion, mx::Stream s);
/// A custom Primitive, one host pass per row with the scan inline (CPU streams); MLX's CPU backend
/// runs the portable path's ops one by one (~150 ms at 1280x720 here).
std::vector<mx::array> depth_to_points_cpu(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                           const DepthToPointsParams& params, mx::Stream s);
/// The CPU twin's untextured loop over n pixels: vert[3i..3i+2] = z * rx[i], z * ry[i], z with
/// z = raw[i] * units, at the given width (usable_cpu_isa lowers it to what the CPU runs); every
/// width gives the generic loop's floats bit for bit.
void depth_to_points_row(const std::uint16_t* raw, const float* rx, const float* ry, std::int64_t n, float units,
                         float* vert, CpuIsa isa);
/// The same with one ray y for the whole run (ry[0]): a row of separable rays.
void depth_to_points_row_axes(const std::uint16_t* raw, const float* rx, float ry, std::int64_t n, float units,
                              float* vert, CpuIsa isa);
/// GpuKernel: one thread per pixel, then (occlusion on) one thread per row for the scan;
/// two launches instead of ~50 ops (CUDA and Metal streams).
std::vector<mx::array> depth_to_points_gpu(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                           const DepthToPointsParams& params, mx::Stream s);

}  // namespace robomlx::depth::detail
