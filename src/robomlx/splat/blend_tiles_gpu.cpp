// SPDX-License-Identifier: Apache-2.0
// GPU twin of splat.blend (GpuKernel: CUDA and Metal streams from one kernel text, Metal
// unverified): graphdeco's tiling, one 256-thread group per 16x16 tile and one thread per pixel,
// Gaussians staged 256 at a time in shared memory (kernels/blend_tiles_forward.cu,
// blend_tiles_backward.cu). The backward adds into zero-initialised gradients with atomics after a
// warp-level sum, so its float sums are not bitwise reproducible (the CPU twin's are). The image
// size and background are small inputs, not template constants: one compiled kernel serves
// every resolution. Joined with the same custom VJP as the CPU twin.
#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/splat/blend_tiles_internal.h"

#include "robomlx/splat/kernels/blend_tiles.cuh.h"
#include "robomlx/splat/kernels/blend_tiles_backward.cu.h"
#include "robomlx/splat/kernels/blend_tiles_forward.cu.h"

namespace robomlx::splat::detail {

namespace {

const std::vector<std::string> kOperandNames = {"means2d",    "conics",     "opacities", "colors",
                                                "inv_depths", "point_list", "tile_ranges"};

std::vector<std::string> names(std::vector<std::string> extra) {
  auto v = kOperandNames;
  v.insert(v.end(), extra.begin(), extra.end());
  return v;
}

const GpuKernel& forward_kernel() {
  static const GpuKernel k("robomlx_splat_blend_forward", names({"size", "background"}),
                           {"color", "inv_depth", "alpha", "final_t", "n_contrib"}, kernels::blend_tiles_forward_cu,
                           {kernels::blend_tiles_cuh});
  return k;
}

const GpuKernel& backward_kernel() {
  static const GpuKernel k(
      "robomlx_splat_blend_backward",
      names({"size", "background", "final_t", "n_contrib", "d_color", "d_inv_depth", "d_alpha"}),
      {"g_means2d", "g_conics", "g_opacities", "g_colors", "g_inv_depths"}, kernels::blend_tiles_backward_cu,
      {kernels::blend_tiles_cuh});
  return k;
}

std::vector<mx::array> launch_inputs(const BlendOperands& op, const BlendSettings& st, mx::Stream s) {
  const std::vector<int> size{st.width, st.height};
  return {op.means2d,
          op.conics,
          op.opacities,
          op.colors,
          op.inv_depths,
          op.point_list,
          op.tile_ranges,
          mx::array(size.begin(), {2}, mx::int32),
          mx::array(st.background.data(), {3}, mx::float32)};
}

}  // namespace

BlendOutput blend_tiles_gpu(const BlendOperands& in, const BlendSettings& settings, mx::Stream s) {
  const int H = settings.height, W = settings.width, tx = settings.tiles_x(), ty = settings.tiles_y();
  auto forward = [=](const BlendOperands& op) -> std::vector<mx::array> {
    if (op.point_list.size() == 0) {  // nothing listed (no zero-size kernel inputs): the background
      const auto& bg = settings.background;
      auto color = mx::broadcast_to(mx::reshape(mx::array(bg.data(), {3}, mx::float32), {3, 1, 1}, s), {3, H, W}, s);
      return {mx::contiguous(color, false, s), mx::zeros({1, H, W}, mx::float32, s),
              mx::zeros({1, H, W}, mx::float32, s), mx::ones({H, W}, mx::float32, s), mx::zeros({H, W}, mx::int32, s)};
    }
    return forward_kernel()(launch_inputs(op, settings, s), {{3, H, W}, {1, H, W}, {1, H, W}, {H, W}, {H, W}},
                            {mx::float32, mx::float32, mx::float32, mx::float32, mx::int32}, {tx * 256, ty, 1},
                            {256, 1, 1}, {}, std::nullopt, s);
  };
  auto backward = [=](const BlendOperands& op, const std::vector<mx::array>& state,
                      const std::vector<mx::array>& cot) -> std::vector<mx::array> {
    const std::vector<mx::Shape> shapes{op.means2d.shape(), op.conics.shape(), op.opacities.shape(), op.colors.shape(),
                                        op.inv_depths.shape()};
    if (op.point_list.size() == 0) {
      std::vector<mx::array> zeros;
      for (const auto& shape : shapes) zeros.push_back(mx::zeros(shape, mx::float32, s));
      return zeros;
    }
    auto inputs = launch_inputs(op, settings, s);
    inputs.insert(inputs.end(), state.begin(), state.end());
    inputs.insert(inputs.end(), cot.begin(), cot.end());
    return backward_kernel()(inputs, shapes, std::vector<mx::Dtype>(5, mx::float32), {tx * 256, ty, 1}, {256, 1, 1}, {},
                             0.0f, s);
  };
  return blend_with_vjp(in, s, forward, backward);
}

}  // namespace robomlx::splat::detail
