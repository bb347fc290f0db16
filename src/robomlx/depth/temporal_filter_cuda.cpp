// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the temporal filter (fast::cuda_kernel): one thread per pixel, three outputs.
// The persistence table and the parameters are cached device arrays (one per option set and
// phase), not made per frame: a host-made array page-migrates on every launch.
// __fmul_rn/__fadd_rn keep NVRTC from contracting the blend into an FMA (bit-exactness).
#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/cuda_params_internal.h"
#include "robomlx/depth/temporal_filter_twins.h"

#include "robomlx/depth/kernels/temporal_filter.cu.h"

namespace robomlx::depth::detail {

namespace {
// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
const char* kSource = kernels::temporal_filter_cu.cuda;
}  // namespace

std::vector<mx::array> temporal_filter_cuda(const mx::array& frame, const mx::array& last, const mx::array& history,
                                            const TemporalFilterOptions& o, int phase, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.temporal/cuda] needs a CUDA GPU stream");
  static const auto kernel = mx::fast::cuda_kernel("rs_temporal", {"frame", "last", "history", "table", "params"},
                                                   {"out", "new_last", "new_history"}, kSource, "", true);
  const auto table_host = persistence_table(o.persistence, phase);
  const auto table = cached_bytes(std::vector<std::uint8_t>(table_host.begin(), table_host.end()));
  const auto params = cached_floats({o.alpha, 1.0f - o.alpha, static_cast<float>(o.delta), static_cast<float>(phase)});
  int n = static_cast<int>(frame.size());
  return kernel({frame, last, history, table, params}, {frame.shape(), frame.shape(), frame.shape()},
                {frame.dtype(), frame.dtype(), mx::uint8}, {n, 1, 1}, {256, 1, 1}, {{"T", frame.dtype()}}, std::nullopt,
                false, s);
}

}  // namespace robomlx::depth::detail
