// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/disparity_cuda.h"

#include <bit>

#include <mlx/fast.h>
#include <mlx/ops.h>

namespace robomlx::depth {

namespace {

constexpr const char* kToDisparity = R"(
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= depth_shape[0] * depth_shape[1]) return;
  const unsigned short z = depth[i];
  out[i] = z == 0 ? 0.0f : __fdiv_rn(__int_as_float(KBITS), (float)z);
)";

constexpr const char* kToDepth = R"(
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= disparity_shape[0] * disparity_shape[1]) return;
  const float d = disparity[i], a = fabsf(d);
  // std::isnormal; the C float -> uint16 cast on x86 goes through int32 and keeps the low bits.
  if (!(a >= 1.17549435e-38f && a < __int_as_float(0x7f800000))) {
    out[i] = 0;
    return;
  }
  float z = __fadd_rn(__fdiv_rn(__int_as_float(KBITS), d), 0.5f);
  z = fminf(fmaxf(z, -2147483648.0f), 2147483520.0f);
  out[i] = (unsigned short)(int)z;
)";

int kbits(float k) { return std::bit_cast<int>(k); }  // k > 0 (checked by the caller): bits >= 0

}  // namespace

mx::array depth_to_disparity_cuda(const mx::array& depth, float k) {
  static const auto kernel = mx::fast::cuda_kernel("rs_depth_to_disparity", {"depth"}, {"out"}, kToDisparity);
  const int n = depth.size();
  return kernel({depth}, {depth.shape()}, {mx::float32}, {n, 1, 1}, {256, 1, 1}, {{"KBITS", kbits(k)}},
                std::nullopt, true, {})[0];
}

mx::array disparity_to_depth_cuda(const mx::array& disparity, float k) {
  static const auto kernel = mx::fast::cuda_kernel("rs_disparity_to_depth", {"disparity"}, {"out"}, kToDepth);
  const int n = disparity.size();
  return kernel({disparity}, {disparity.shape()}, {mx::uint16}, {n, 1, 1}, {256, 1, 1}, {{"KBITS", kbits(k)}},
                std::nullopt, true, {})[0];
}

}  // namespace robomlx::depth
