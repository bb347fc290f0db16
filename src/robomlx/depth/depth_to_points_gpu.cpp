// SPDX-License-Identifier: Apache-2.0
// GPU twin of the point cloud (depth_to_points_twins.h; GpuKernel: CUDA and Metal streams from one
// kernel text, Metal unverified): one thread per pixel for vertices, texture coordinates and the
// texture-pixel x, then (occlusion on) one thread per row for librealsense's sequential monotonic
// scan. Explicit round-to-nearest operations (rm_fmul_rn, rm_fadd_rn, rm_fdiv_rn) keep NVRTC from
// contracting to FMA, so CUDA results equal the portable path bit for bit.
#include "robomlx/depth/depth_to_points_twins.h"

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/cuda_params_internal.h"

#include "robomlx/depth/kernels/depth_to_points_occlusion.cu.h"
#include "robomlx/depth/kernels/depth_to_points_occlusion.cuh.h"
#include "robomlx/depth/kernels/depth_to_points_pixels.cu.h"

namespace robomlx::depth::detail {

std::vector<mx::array> depth_to_points_gpu(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                           const DepthToPointsParams& p, mx::Stream s) {
  static const GpuKernel pixel_kernel("robomlx_depth_pointcloud_pixels", {"depth", "rays_x", "rays_y", "params"},
                                      {"vertices", "texcoords", "pixel_x"}, kernels::depth_to_points_pixels_cu);
  static const GpuKernel scan_kernel("robomlx_depth_pointcloud_scan", {"depth", "vertices", "pixel_x"}, {"out"},
                                     kernels::depth_to_points_occlusion_cu, {kernels::depth_to_points_occlusion_cuh});
  const int h = depth.shape(0), w = depth.shape(1), n = h * w;
  // A cached device array (one per intrinsics/extrinsics set), not a per-frame host array.
  std::vector<float> params = {p.units};
  params.insert(params.end(), p.extrinsics.rotation.begin(), p.extrinsics.rotation.end());
  params.insert(params.end(), p.extrinsics.translation.begin(), p.extrinsics.translation.end());
  params.insert(params.end(), {p.fx, p.fy, p.ppx, p.ppy, float(p.width), float(p.height)});
  const auto params_array = cached_floats(params);
  auto out = pixel_kernel({depth, rays_x, rays_y, params_array}, {{h, w, 3}, {h, w, 2}, {h, w}},
                          {mx::float32, mx::float32, mx::float32}, {n, 1, 1}, {256, 1, 1},
                          {{"N", n}, {"TEXTURE", p.texture}}, std::nullopt, s);
  if (!p.occlusion) return {out[0], out[1]};
  auto scanned = scan_kernel({depth, out[0], out[2]}, {{h, w, 3}}, {mx::float32}, {h, 1, 1}, {64, 1, 1},
                             {{"H", h}, {"W", w}}, std::nullopt, s);
  return {scanned[0], out[1]};
}

}  // namespace robomlx::depth::detail
