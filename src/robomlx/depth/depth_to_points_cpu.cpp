// SPDX-License-Identifier: Apache-2.0
// CPU twin of the point cloud (depth_to_points_twins.h): a custom Primitive with one host pass per
// row for vertices, texture coordinates and librealsense's sequential monotonic occlusion scan.
#include "robomlx/depth/depth_to_points_twins.h"

#include <cstdint>
#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

namespace robomlx::depth::detail {

namespace {

void run(const std::uint16_t* raw, const float* rx, const float* ry, int h, int w, const DepthToPointsParams& p,
         float* vert, float* tex) {
  const auto& r = p.extrinsics.rotation;
  const auto& t = p.extrinsics.translation;
  for (int y = 0; y < h; ++y) {
    float max_x = -1, max_z = 0;  // occlusion scan state (occlusion-filter.cpp)
    int dilation = 0;
    for (int x = 0; x < w; ++x) {
      const long long i = (long long)y * w + x;
      const float z = float(raw[i]) * p.units;
      float* v = vert + 3 * i;
      v[0] = z * rx[i], v[1] = z * ry[i], v[2] = z;
      if (!p.texture) continue;
      float* uv = tex + 2 * i;
      if (!raw[i]) {
        uv[0] = uv[1] = 0;
        v[0] = v[1] = v[2] = 0;  // +0 like the portable path's select (z * ray may be -0)
        continue;
      }
      const float X = r[0] * v[0] + (r[3] * v[1] + (r[6] * z + t[0]));
      const float Y = r[1] * v[0] + (r[4] * v[1] + (r[7] * z + t[1]));
      const float Z = r[2] * v[0] + (r[5] * v[1] + (r[8] * z + t[2]));
      const float px = X / Z * p.fx + p.ppx;
      const float py = Y / Z * p.fy + p.ppy;
      uv[0] = px / float(p.width);
      uv[1] = py / float(p.height);
      if (!p.occlusion) continue;
      if (px < max_x || (px == max_x && z - max_z > 0.1f)) {
        v[0] = v[1] = v[2] = 0;
        dilation = 1;
      } else {
        max_x = px, max_z = z;
        if (dilation > 0) {
          v[0] = v[1] = v[2] = 0;
          --dilation;
        }
      }
    }
  }
}

class PointcloudCpu : public mx::Primitive {
 public:
  PointcloudCpu(mx::Stream s, DepthToPointsParams p) : mx::Primitive(s), p_(p) {}

  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    for (auto& o : out) o.set_data(mx::allocator::malloc(o.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    for (auto& o : out) enc.set_output_array(o);
    const auto* raw = in[0].data<std::uint16_t>();
    const auto* rx = in[1].data<float>();
    const auto* ry = in[2].data<float>();
    auto* vert = out[0].data<float>();
    auto* tex = out[1].data<float>();
    const int h = in[0].shape(0), w = in[0].shape(1);
    enc.dispatch([=, p = p_] {
      if (!p.texture) std::fill(tex, tex + 2LL * h * w, 0.0f);
      run(raw, rx, ry, h, w, p, vert, tex);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[depth.pointcloud/cpu] the CPU twin has no GPU path; use the portable path");
  }

  const char* name() const override { return "DepthPointcloudCpu"; }

 private:
  DepthToPointsParams p_;
};

}  // namespace

std::vector<mx::array> depth_to_points_cpu(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                           const DepthToPointsParams& params, mx::Stream s) {
  const int h = depth.shape(0), w = depth.shape(1);
  std::vector<mx::array> inputs = {mx::contiguous(depth, false, s), mx::contiguous(rays_x, false, s),
                                   mx::contiguous(rays_y, false, s)};
  return mx::array::make_arrays({{h, w, 3}, {h, w, 2}}, {mx::float32, mx::float32},
                                std::make_shared<PointcloudCpu>(s, params), inputs);
}

}  // namespace robomlx::depth::detail
