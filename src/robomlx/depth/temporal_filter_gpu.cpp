// SPDX-License-Identifier: Apache-2.0
// GPU twin of the temporal filter (GpuKernel: CUDA and Metal streams from one kernel text; Metal
// unverified): one thread per pixel, three outputs.
// The persistence table and the parameters are cached device arrays (one per option set and
// phase), not made per frame: a host-made array page-migrates on every launch.
// rm_fmul_rn/rm_fadd_rn keep NVRTC from contracting the blend into an FMA (bit-exactness).
#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/cuda_params_internal.h"
#include "robomlx/depth/temporal_filter_twins.h"

#include "robomlx/depth/kernels/temporal_filter.cu.h"

namespace robomlx::depth::detail {

std::vector<mx::array> temporal_filter_gpu(const mx::array& frame, const mx::array& last, const mx::array& history,
                                           const TemporalFilterOptions& o, int phase, mx::Stream s) {
  static const GpuKernel kernel("rs_temporal", {"frame", "last", "history", "table", "params"},
                                {"out", "new_last", "new_history"}, kernels::temporal_filter_cu);
  const auto table_host = persistence_table(o.persistence, phase);
  const auto table = cached_bytes(std::vector<std::uint8_t>(table_host.begin(), table_host.end()));
  const auto params = cached_floats({o.alpha, 1.0f - o.alpha, static_cast<float>(o.delta), static_cast<float>(phase)});
  const int n = static_cast<int>(frame.size());
  return kernel({frame, last, history, table, params}, {frame.shape(), frame.shape(), frame.shape()},
                {frame.dtype(), frame.dtype(), mx::uint8}, {n, 1, 1}, {256, 1, 1}, {{"T", frame.dtype()}}, std::nullopt,
                s);
}

}  // namespace robomlx::depth::detail
