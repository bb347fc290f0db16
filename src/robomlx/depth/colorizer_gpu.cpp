// SPDX-License-Identifier: Apache-2.0
// GPU twin of the colorizer (colorizer_twins.h; GpuKernel: CUDA and Metal streams from one kernel
// text, Metal unverified): an atomic-add histogram kernel, a prefix sum and one lookup kernel (three
// launches instead of the portable path's ~12). Same float32 formulas with explicit
// round-to-nearest operations, so outputs equal the portable path (on CUDA).
#include "robomlx/depth/colorizer_twins.h"

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/core/ragged.h"
#include "robomlx/depth/colorizer.h"
#include "robomlx/depth/cuda_params_internal.h"

#include "robomlx/depth/kernels/colorizer.cuh.h"
#include "robomlx/depth/kernels/colorizer_histogram.cu.h"
#include "robomlx/depth/kernels/colorizer_lookup.cu.h"

namespace robomlx::depth::detail {

mx::array colorize_gpu(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi, mx::Stream s) {
  static const GpuKernel hist_kernel("robomlx_depth_colorizer_hist", {"data"}, {"hist"}, kernels::colorizer_histogram_cu,
                                     {kernels::colorizer_cuh});
  static const GpuKernel lookup_kernel("robomlx_depth_colorizer_lookup", {"data", "hist", "cum", "table", "params"},
                                       {"out"}, kernels::colorizer_lookup_cu, {kernels::colorizer_cuh});
  const mx::array table = colormap_table(scheme);
  const int h = data.shape(0), w = data.shape(1), n = h * w;
  const bool disparity = data.dtype() == mx::float32;
  // lo >= hi gives f = 0 for Z16 (params[2] <= 0 there); the disparity formula has no such guard.
  // Cached device arrays, not per-frame host arrays (those page-migrate on every launch).
  const auto params_array = cached_floats({units, lo, hi - lo});
  const int steps = table.shape(0) - 1;
  mx::array hist = cached_ints({0}), cum = hist;
  if (equalize) {
    hist = hist_kernel({data}, {{65536}}, {mx::int32}, {n, 1, 1}, {256, 1, 1}, {{"N", n}}, 0.0f, s)[0];
    cum = inclusive_cumsum(hist, 0, std::nullopt, s);  // core's GPU twin: MLX's CUDA cumsum gives the row one block
  }
  return lookup_kernel({data, hist, cum, table, params_array}, {{h, w, 3}}, {mx::uint8}, {n, 1, 1}, {256, 1, 1},
                       {{"N", n}, {"STEPS", steps}, {"DISPARITY", disparity}, {"EQUALIZE", equalize}}, std::nullopt,
                       s)[0];
}

}  // namespace robomlx::depth::detail
