// SPDX-License-Identifier: Apache-2.0
// GPU twin of Z16 decimation (decimation_twins.h; GpuKernel: CUDA and Metal streams from one
// kernel text, Metal unverified): one thread per output pixel, the s x s block's lower median of
// non-zero samples (s = 2, 3; a sorting network on registers) or their integer mean (s >= 4),
// zero padding to a multiple of 4.
#include "robomlx/depth/decimation_twins.h"

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"

#include "robomlx/depth/kernels/decimation_z16.cu.h"

namespace robomlx::depth::detail {

mx::array decimate_z16_gpu(const mx::array& depth, int s, mx::Stream stream) {
  static const GpuKernel kernel("robomlx_depth_decimate", {"depth"}, {"out"}, kernels::decimation_z16_cu);
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return kernel({depth}, {{hp, wp}}, {mx::uint16}, {wp, hp, 1}, {32, 8, 1}, {{"S", s}}, std::nullopt, stream)[0];
}

}  // namespace robomlx::depth::detail
