// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the point cloud (depth_to_points_twins.h): one fast::cuda_kernel thread per pixel
// for vertices, texture coordinates and the texture-pixel x, then (occlusion on) one thread per
// row for librealsense's sequential monotonic scan. Explicit round-to-nearest intrinsics
// (__fmul_rn, __fadd_rn, __fdiv_rn) keep NVRTC from contracting to FMA, so results equal the
// portable path bit for bit.
#include "robomlx/depth/depth_to_points_twins.h"

#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/cuda_params_internal.h"

namespace robomlx::depth {

namespace {

// params: units, r[9] (column major), t[3], fx, fy, ppx, ppy, width, height (a cached array).
// TEXTURE: template constant.
constexpr const char* kPixelSource = R"(
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= N) return;
  const float z = __fmul_rn((float)depth[i], params[0]);
  float vx = __fmul_rn(z, rays_x[i]), vy = __fmul_rn(z, rays_y[i]), vz = z;
  float u = 0.0f, v = 0.0f, px = 0.0f;
  if (TEXTURE) {
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
// The inputs are not written here, so the next B columns are fetched into registers while the
// current B are scanned (the scan's latency is then the arithmetic, not the loads).
constexpr const char* kScanSource = R"(
  constexpr int B = 16;
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= H) return;
  const long long row = (long long)y * W;
  float max_x = -1.0f, max_z = 0.0f;
  int dilation = 0;
  bool cv[B], nv[B];
  float cp[B], ca[B], cb[B], cz[B], np[B], na[B], nb[B], nz[B];
  // Columns [x0, x0 + B) into registers (past the row's end: invalid, zeros).
  auto fetch = [&](int x0, bool (&v)[B], float (&p)[B], float (&a)[B], float (&b)[B], float (&z)[B]) {
#pragma unroll
    for (int j = 0; j < B; ++j) {
      const int x = x0 + j;
      const bool ok = x < W;
      v[j] = ok && depth[row + x] != 0;
      p[j] = ok ? pixel_x[row + x] : 0.0f;
      a[j] = ok ? vertices[3 * (row + x)] : 0.0f;
      b[j] = ok ? vertices[3 * (row + x) + 1] : 0.0f;
      z[j] = ok ? vertices[3 * (row + x) + 2] : 0.0f;
    }
  };
  fetch(0, cv, cp, ca, cb, cz);
  for (int x0 = 0; x0 < W; x0 += B) {
    fetch(x0 + B, nv, np, na, nb, nz);
#pragma unroll
    for (int j = 0; j < B; ++j) {
      const int x = x0 + j;
      if (x < W) {
        const long long i = row + x;
        bool drop = false;
        if (cv[j]) {
          const float px = cp[j], c = cz[j];
          if (px < max_x || (px == max_x && __fsub_rn(c, max_z) > 0.1f)) {
            drop = true;
            dilation = 1;
          } else {
            max_x = px;
            max_z = c;
            if (dilation > 0) {
              drop = true;
              --dilation;
            }
          }
        }
        out[3 * i] = drop ? 0.0f : ca[j];
        out[3 * i + 1] = drop ? 0.0f : cb[j];
        out[3 * i + 2] = drop ? 0.0f : cz[j];
      }
    }
#pragma unroll
    for (int j = 0; j < B; ++j) {
      cv[j] = nv[j];
      cp[j] = np[j];
      ca[j] = na[j];
      cb[j] = nb[j];
      cz[j] = nz[j];
    }
  }
)";

}  // namespace

namespace detail {

std::vector<mx::array> depth_to_points_cuda(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                            const DepthToPointsParams& p, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.pointcloud/cuda] needs a CUDA GPU stream");
  static const auto pixel_kernel = mx::fast::cuda_kernel(
      "robomlx_depth_pointcloud_pixels", {"depth", "rays_x", "rays_y", "params"}, {"vertices", "texcoords", "pixel_x"},
      kPixelSource, "", true);
  static const auto scan_kernel =
      mx::fast::cuda_kernel("robomlx_depth_pointcloud_scan", {"depth", "vertices", "pixel_x"}, {"out"}, kScanSource, "", true);
  const int h = depth.shape(0), w = depth.shape(1), n = h * w;
  // A cached device array (one per intrinsics/extrinsics set), not a per-frame host array.
  std::vector<float> params = {p.units};
  params.insert(params.end(), p.extrinsics.rotation.begin(), p.extrinsics.rotation.end());
  params.insert(params.end(), p.extrinsics.translation.begin(), p.extrinsics.translation.end());
  params.insert(params.end(), {p.fx, p.fy, p.ppx, p.ppy, float(p.width), float(p.height)});
  const auto params_array = detail::cached_floats(params);
  auto out = pixel_kernel({depth, rays_x, rays_y, params_array}, {{h, w, 3}, {h, w, 2}, {h, w}},
                          {mx::float32, mx::float32, mx::float32}, {n, 1, 1}, {256, 1, 1},
                          {{"N", n}, {"TEXTURE", p.texture}}, std::nullopt, false, s);
  if (!p.occlusion) return {out[0], out[1]};
  auto scanned = scan_kernel({depth, out[0], out[2]}, {{h, w, 3}}, {mx::float32}, {h, 1, 1}, {64, 1, 1},
                             {{"H", h}, {"W", w}}, std::nullopt, false, s);
  return {scanned[0], out[1]};
}

}  // namespace detail

}  // namespace robomlx::depth
