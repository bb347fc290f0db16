// SPDX-License-Identifier: Apache-2.0
// GPU twins of depth2disparity / disparity2depth (disparity_twins.h; GpuKernel: CUDA and Metal
// streams from one kernel text, Metal unverified): one thread per pixel, one launch instead of
// the portable path's several ops. The factor k (> 0) is a template constant (its float bits),
// compiled once per stream geometry.
#include "robomlx/depth/disparity_twins.h"

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/cuda_params_internal.h"

#include "robomlx/depth/kernels/disparity_from_depth.cu.h"
#include "robomlx/depth/kernels/disparity_to_depth.cu.h"

namespace robomlx::depth::detail {

namespace {

mx::array launch(const GpuKernel& kernel, const mx::array& x, mx::Dtype out_dtype, float k, mx::Stream s) {
  const int n = static_cast<int>(x.size());
  return kernel({x}, {x.shape()}, {out_dtype}, {n, 1, 1}, {256, 1, 1}, {{"K_BITS", float_bits(k)}}, std::nullopt,
                s)[0];
}

}  // namespace

mx::array depth_to_disparity_gpu(const mx::array& depth, float k, mx::Stream s) {
  static const GpuKernel kernel("robomlx_depth_to_disparity", {"inp"}, {"out"}, kernels::disparity_from_depth_cu);
  return launch(kernel, depth, mx::float32, k, s);
}

mx::array disparity_to_depth_gpu(const mx::array& disparity, float k, mx::Stream s) {
  static const GpuKernel kernel("robomlx_disparity_to_depth", {"inp"}, {"out"}, kernels::disparity_to_depth_cu);
  return launch(kernel, disparity, mx::uint16, k, s);
}

}  // namespace robomlx::depth::detail
