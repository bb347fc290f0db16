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

namespace robomlx::depth {

namespace {

// K_BITS: float bits of k (template constant).
constexpr const char* kToDisparity = R"(
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (long long)inp_shape[0] * inp_shape[1]) return;
  const uint16_t z = inp[i];
  out[i] = z == 0 ? 0.0f : __fdiv_rn(__int_as_float(K_BITS), (float)z);
)";

// std::isnormal(d) ? uint16(int32(k / d + 0.5f)) : 0, the int32 conversion saturated as x86's.
constexpr const char* kToDepth = R"(
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (long long)inp_shape[0] * inp_shape[1]) return;
  const float d = inp[i];
  const float a = fabsf(d);
  float v = __fadd_rn(__fdiv_rn(__int_as_float(K_BITS), d), 0.5f);
  v = v < -2147483648.0f ? -2147483648.0f : v;
  v = v > 2147483520.0f ? 2147483520.0f : v;
  const bool normal = a >= __int_as_float(0x00800000) && a < __int_as_float(0x7f800000);
  out[i] = normal ? (uint16_t)(int)v : (uint16_t)0;
)";

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
