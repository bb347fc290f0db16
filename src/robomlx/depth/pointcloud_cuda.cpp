// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/pointcloud_cuda.h"

#include <mlx/fast.h>
#include <mlx/ops.h>

namespace robomlx::depth {

namespace {

// params: units, r[9] (column major), t[3], fx, fy, ppx, ppy, width, height, texture flag.
constexpr const char* kPixelSource = R"(
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= N) return;
  const float z = __fmul_rn((float)depth[i], params[0]);
  float vx = __fmul_rn(z, rays_x[i]), vy = __fmul_rn(z, rays_y[i]), vz = z;
  float u = 0.0f, v = 0.0f, px = 0.0f;
  if (params[19] != 0.0f) {
    if (depth[i] == 0) {
      vx = 0.0f; vy = 0.0f; vz = 0.0f;
    } else {
      const float* r = params + 1;
      const float* t = params + 10;
      const float X = __fadd_rn(__fmul_rn(r[0], vx), __fadd_rn(__fmul_rn(r[3], vy), __fadd_rn(__fmul_rn(r[6], z), t[0])));
      const float Y = __fadd_rn(__fmul_rn(r[1], vx), __fadd_rn(__fmul_rn(r[4], vy), __fadd_rn(__fmul_rn(r[7], z), t[1])));
      const float Z = __fadd_rn(__fmul_rn(r[2], vx), __fadd_rn(__fmul_rn(r[5], vy), __fadd_rn(__fmul_rn(r[8], z), t[2])));
      px = __fadd_rn(__fmul_rn(__fdiv_rn(X, Z), params[13]), params[15]);
      const float py = __fadd_rn(__fmul_rn(__fdiv_rn(Y, Z), params[14]), params[16]);
      u = __fdiv_rn(px, params[17]);
      v = __fdiv_rn(py, params[18]);
    }
  }
  vertices[3 * i] = vx; vertices[3 * i + 1] = vy; vertices[3 * i + 2] = vz;
  texcoords[2 * i] = u; texcoords[2 * i + 1] = v;
  pixel_x[i] = px;
)";

// One thread per row: occlusion-filter.cpp's scan, copying the row's vertices with drops zeroed.
constexpr const char* kScanSource = R"(
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= H) return;
  float max_x = -1.0f, max_z = 0.0f;
  int dilation = 0;
  for (int x = 0; x < W; ++x) {
    const int i = y * W + x;
    float a = vertices[3 * i], b = vertices[3 * i + 1], c = vertices[3 * i + 2];
    if (depth[i] != 0) {
      const float px = pixel_x[i];
      if (px < max_x || (px == max_x && __fsub_rn(c, max_z) > 0.1f)) {
        a = 0.0f; b = 0.0f; c = 0.0f;
        dilation = 1;
      } else {
        max_x = px;
        max_z = c;
        if (dilation > 0) {
          a = 0.0f; b = 0.0f; c = 0.0f;
          --dilation;
        }
      }
    }
    out[3 * i] = a; out[3 * i + 1] = b; out[3 * i + 2] = c;
  }
)";

}  // namespace

std::vector<mx::array> pointcloud_cuda(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                       const PointcloudCpuParams& p) {
  static const auto pixel_kernel = mx::fast::cuda_kernel(
      "robomlx_depth_pointcloud_pixels", {"depth", "rays_x", "rays_y", "params"}, {"vertices", "texcoords", "pixel_x"},
      kPixelSource);
  static const auto scan_kernel =
      mx::fast::cuda_kernel("robomlx_depth_pointcloud_scan", {"depth", "vertices", "pixel_x"}, {"out"}, kScanSource);
  const int h = depth.shape(0), w = depth.shape(1), n = h * w;
  std::vector<float> params = {p.units};
  params.insert(params.end(), p.extrinsics.rotation.begin(), p.extrinsics.rotation.end());
  params.insert(params.end(), p.extrinsics.translation.begin(), p.extrinsics.translation.end());
  params.insert(params.end(), {p.fx, p.fy, p.ppx, p.ppy, float(p.width), float(p.height), p.texture ? 1.0f : 0.0f});
  const auto params_array = mx::array(params.data(), {int(params.size())}, mx::float32);
  auto out = pixel_kernel({depth, rays_x, rays_y, params_array}, {{h, w, 3}, {h, w, 2}, {h, w}},
                          {mx::float32, mx::float32, mx::float32}, {n, 1, 1}, {256, 1, 1}, {{"N", n}}, std::nullopt,
                          false, {});
  if (!p.occlusion) return {out[0], out[1]};
  auto scanned = scan_kernel({depth, out[0], out[2]}, {{h, w, 3}}, {mx::float32}, {h, 1, 1}, {64, 1, 1},
                             {{"H", h}, {"W", w}}, std::nullopt, false, {});
  return {scanned[0], out[1]};
}

}  // namespace robomlx::depth
