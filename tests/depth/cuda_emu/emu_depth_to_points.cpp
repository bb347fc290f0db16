// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.depth_to_points: depth_to_points_gpu.cpp's launches (per-pixel vertices and
// texture coordinates, then the per-row occlusion scan) on the host emulator against the
// formulas and librealsense's occlusion filter written plainly here, bit for bit.
#include <random>

#include "depth_kernels.h"

namespace {

template <int H, int W, bool TEXTURE>
void run(std::mt19937& rng) {
  constexpr int N = H * W;
  std::uniform_int_distribution<int> depth_mm(300, 4000), hole(0, 5);
  std::uniform_real_distribution<float> ray(-0.6f, 0.6f), angle(-0.05f, 0.05f);
  std::vector<uint16_t> depth(N);
  std::vector<float> rx(N), ry(N);
  for (int i = 0; i < N; ++i) {
    depth[i] = hole(rng) ? uint16_t(depth_mm(rng)) : 0;
    rx[i] = ray(rng);
    ry[i] = ray(rng);
  }
  // params: units, rotation (column major), translation, fx, fy, ppx, ppy, width, height.
  const float a = angle(rng), c = std::cos(a), s = std::sin(a);
  const float units = 0.001f, r[9] = {c, 0, -s, 0, 1, 0, s, 0, c}, t[3] = {0.015f, 0.0002f, -0.001f};
  const float fx = 610.0f, fy = 609.0f, ppx = W / 2.0f + 0.3f, ppy = H / 2.0f - 0.2f;
  std::vector<float> params = {units};
  params.insert(params.end(), r, r + 9);
  params.insert(params.end(), t, t + 3);
  params.insert(params.end(), {fx, fy, ppx, ppy, float(W), float(H)});
  // Reference: vertices z * ray; with texture, holes give 0 and the rest project into the colour
  // image; the occlusion scan drops a point left of the running maximum column (or at it and
  // more than 0.1 behind) and the valid point after each drop.
  std::vector<float> want_v(3 * N), want_t(2 * N, 0.0f), want_occ(3 * N);
  for (int y = 0; y < H; ++y) {
    float max_x = -1.0f, max_z = 0.0f;
    int dilation = 0;
    for (int x = 0; x < W; ++x) {
      const int i = y * W + x;
      const float z = float(depth[i]) * units;
      float* v = &want_v[3 * i];
      v[0] = z * rx[i], v[1] = z * ry[i], v[2] = z;
      float* o = &want_occ[3 * i];
      o[0] = v[0], o[1] = v[1], o[2] = v[2];
      if (!TEXTURE) continue;
      if (!depth[i]) {
        v[0] = v[1] = v[2] = o[0] = o[1] = o[2] = 0.0f;
        continue;
      }
      const float X = r[0] * v[0] + (r[3] * v[1] + (r[6] * z + t[0]));
      const float Y = r[1] * v[0] + (r[4] * v[1] + (r[7] * z + t[1]));
      const float Z = r[2] * v[0] + (r[5] * v[1] + (r[8] * z + t[2]));
      const float px = X / Z * fx + ppx, py = Y / Z * fy + ppy;
      want_t[2 * i] = px / float(W);
      want_t[2 * i + 1] = py / float(H);
      bool drop = false;
      if (px < max_x || (px == max_x && z - max_z > 0.1f)) {
        drop = true;
        dilation = 1;
      } else {
        max_x = px, max_z = z;
        if (dilation > 0) drop = true, --dilation;
      }
      if (drop) o[0] = o[1] = o[2] = 0.0f;
    }
  }
  std::vector<float> vertices(3 * N, 7), texcoords(2 * N, 7), pixel_x(N, 7), occluded(3 * N, 7);
  mlx_launch_serial({N}, {256}, [&] {
    robomlx_depth_pointcloud_pixels::kernel<N, TEXTURE>(depth.data(), rx.data(), ry.data(), params.data(), vertices.data(),
                                                        texcoords.data(), pixel_x.data());
  });
  auto same = [](const std::vector<float>& got, const std::vector<float>& want, const char* what) {
    for (size_t i = 0; i < got.size(); ++i)
      if (__float_as_int(got[i]) != __float_as_int(want[i])) {
        emu_fail("%s %dx%d texture=%d [%zu]: %g, want %g", what, H, W, TEXTURE, i, got[i], want[i]);
        return;
      }
  };
  same(vertices, want_v, "vertices");
  same(texcoords, want_t, "texcoords");
  if (!TEXTURE) return;  // occlusion needs the texture mapping
  mlx_launch_serial({H}, {64}, [&] {
    robomlx_depth_pointcloud_scan::kernel<H, W>(depth.data(), vertices.data(), pixel_x.data(), occluded.data());
  });
  same(occluded, want_occ, "occlusion");
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  run<1, 1, true>(rng);
  run<3, 5, true>(rng);
  run<17, 16, true>(rng);
  run<9, 33, true>(rng);
  run<70, 130, true>(rng);
  run<9, 33, false>(rng);
  return emu_finish("kernels.emu.depth_to_points");
}
