// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/ragged_twins.h"

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/kernels/scan_chunks.cu.h"
#include "robomlx/core/kernels/scan_totals.cu.h"

namespace robomlx {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kTotals = core::kernels::scan_totals_cu.cuda;
constexpr const char* kScan = core::kernels::scan_chunks_cu.cuda;

constexpr int kChunk = 2048;

}  // namespace

namespace detail {

mx::array cumsum_int32_cuda(const mx::array& x, bool leading_zero, mx::Stream s) {
  static const auto totals_kernel = mx::fast::cuda_kernel("robomlx_scan_totals", {"x"}, {"totals"}, kTotals);
  static const auto scan_kernel = mx::fast::cuda_kernel("robomlx_scan_chunks", {"x", "totals"}, {"out"}, kScan);
  const int n = x.size(), lead = leading_zero ? 1 : 0;
  if (n == 0) return mx::zeros({lead}, mx::int32, s);
  const int blocks = (n + kChunk - 1) / kChunk;
  auto xi = mx::astype(x, mx::int32, s);
  // verbose = false: true makes MLX print the generated source on every call.
  auto totals = totals_kernel({xi}, {{blocks}}, {mx::int32}, {blocks * 256, 1, 1}, {256, 1, 1}, {}, std::nullopt,
                              false, s)[0];
  return scan_kernel({xi, totals}, {{n + lead}}, {mx::int32}, {blocks * 256, 1, 1}, {256, 1, 1}, {{"LEAD", lead}},
                     std::nullopt, false, s)[0];
}

}  // namespace detail

}  // namespace robomlx
