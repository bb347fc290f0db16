// SPDX-License-Identifier: Apache-2.0
// GPU twin of the int32 prefix sum (ragged_twins.h; GpuKernel: CUDA and Metal streams from one
// kernel text, Metal unverified).
#include "robomlx/core/ragged_twins.h"

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"

#include "robomlx/core/kernels/scan_chunks.cu.h"
#include "robomlx/core/kernels/scan_totals.cu.h"

namespace robomlx::detail {

namespace {
constexpr int kChunk = 2048;
}  // namespace

mx::array cumsum_int32_gpu(const mx::array& x, bool leading_zero, mx::Stream s) {
  static const GpuKernel totals_kernel("robomlx_scan_totals", {"x"}, {"totals"}, core::kernels::scan_totals_cu);
  static const GpuKernel scan_kernel("robomlx_scan_chunks", {"x", "totals"}, {"out"}, core::kernels::scan_chunks_cu);
  const int n = x.size(), lead = leading_zero ? 1 : 0;
  if (n == 0) return mx::zeros({lead}, mx::int32, s);
  const int blocks = (n + kChunk - 1) / kChunk;
  auto xi = mx::astype(x, mx::int32, s);
  auto totals =
      totals_kernel({xi}, {{blocks}}, {mx::int32}, {blocks * 256, 1, 1}, {256, 1, 1}, {}, std::nullopt, s)[0];
  return scan_kernel({xi, totals}, {{n + lead}}, {mx::int32}, {blocks * 256, 1, 1}, {256, 1, 1}, {{"LEAD", lead}},
                     std::nullopt, s)[0];
}

}  // namespace robomlx::detail
