// SPDX-License-Identifier: Apache-2.0
// CUDA twin of Z16 decimation (decimation_twins.h): one fast::cuda_kernel thread per output pixel,
// the s x s block's lower median of non-zero samples (s = 2, 3; a sorting network on registers) or
// their integer mean (s >= 4), zero padding to a multiple of 4.
#include "robomlx/depth/decimation_twins.h"

#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"

#include "robomlx/depth/kernels/decimation_z16.cu.h"

namespace robomlx::depth {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kSource = kernels::decimation_z16_cu.cuda;

}  // namespace

namespace detail {

mx::array decimate_z16_cuda(const mx::array& depth, int s, mx::Stream stream) {
  if (!is_cuda_device(stream.device)) throw std::runtime_error("[depth.decimation/cuda] needs a CUDA GPU stream");
  static const auto kernel = mx::fast::cuda_kernel("robomlx_depth_decimate", {"depth"}, {"out"}, kSource, "", true);
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return kernel({depth}, {{hp, wp}}, {mx::uint16}, {wp, hp, 1}, {32, 8, 1}, {{"S", s}}, std::nullopt, false, stream)[0];
}

}  // namespace detail

}  // namespace robomlx::depth
