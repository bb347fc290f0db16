// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/decimation_cuda.h"

#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"

#include "robomlx/depth/kernels/decimation_z16.cu.h"

namespace robomlx::depth {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kSource = kernels::decimation_z16_cu;

}  // namespace

mx::array decimate_z16_cuda(const mx::array& depth, int s) {
  if (!is_cuda_device(mx::default_device())) throw std::runtime_error("[depth.decimation/cuda] needs a CUDA GPU");
  static const auto kernel = mx::fast::cuda_kernel("robomlx_depth_decimate", {"depth"}, {"out"}, kSource, "", true);
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return kernel({depth}, {{hp, wp}}, {mx::uint16}, {wp, hp, 1}, {32, 8, 1}, {{"S", s}}, std::nullopt, false, {})[0];
}

}  // namespace robomlx::depth
