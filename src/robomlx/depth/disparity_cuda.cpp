// SPDX-License-Identifier: Apache-2.0
// CUDA twins of depth2disparity / disparity2depth (disparity_twins.h): one fast::cuda_kernel
// thread per pixel, one launch instead of the portable path's several ops. The factor k (> 0) is a
// template constant (its float bits), compiled once per stream geometry.
#include "robomlx/depth/disparity_twins.h"

#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/cuda_params_internal.h"

#include "robomlx/depth/kernels/disparity_from_depth.cu.h"
#include "robomlx/depth/kernels/disparity_to_depth.cu.h"

namespace robomlx::depth {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kToDisparity = kernels::disparity_from_depth_cu.cuda;
constexpr const char* kToDepth = kernels::disparity_to_depth_cu.cuda;

mx::array launch(const mx::fast::CustomKernelFunction& kernel, const mx::array& x, mx::Dtype out_dtype, float k,
                 mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.disparity/cuda] needs a CUDA GPU stream");
  const int n = static_cast<int>(x.size());
  return kernel({x}, {x.shape()}, {out_dtype}, {n, 1, 1}, {256, 1, 1}, {{"K_BITS", detail::float_bits(k)}},
                std::nullopt, false, s)[0];
}

}  // namespace

namespace detail {

mx::array depth_to_disparity_cuda(const mx::array& depth, float k, mx::Stream s) {
  static const auto kernel = mx::fast::cuda_kernel("robomlx_depth_to_disparity", {"inp"}, {"out"}, kToDisparity, "", true);
  return launch(kernel, depth, mx::float32, k, s);
}

mx::array disparity_to_depth_cuda(const mx::array& disparity, float k, mx::Stream s) {
  static const auto kernel = mx::fast::cuda_kernel("robomlx_disparity_to_depth", {"inp"}, {"out"}, kToDepth, "", true);
  return launch(kernel, disparity, mx::uint16, k, s);
}

}  // namespace detail

}  // namespace robomlx::depth
