// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the colorizer (colorizer_twins.h): an atomicAdd histogram kernel, a prefix sum and
// one lookup kernel (three launches instead of the portable path's ~12). Same float32 formulas with
// explicit round-to-nearest intrinsics, so outputs equal the portable path.
#include "robomlx/depth/colorizer_twins.h"

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/ragged.h"
#include "robomlx/depth/colorizer.h"
#include "robomlx/depth/cuda_params_internal.h"

#include "robomlx/depth/kernels/colorizer.cuh.h"
#include "robomlx/depth/kernels/colorizer_histogram.cu.h"
#include "robomlx/depth/kernels/colorizer_lookup.cu.h"

namespace robomlx::depth {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
constexpr const char* kHeader = kernels::colorizer_cuh.cuda;
constexpr const char* kHistSource = kernels::colorizer_histogram_cu.cuda;
constexpr const char* kLookupSource = kernels::colorizer_lookup_cu.cuda;

}  // namespace

namespace detail {

mx::array colorize_cuda(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi, mx::Stream s) {
  static const auto hist_kernel =
      mx::fast::cuda_kernel("robomlx_depth_colorizer_hist", {"data"}, {"hist"}, kHistSource, kHeader, true);
  static const auto lookup_kernel = mx::fast::cuda_kernel(
      "robomlx_depth_colorizer_lookup", {"data", "hist", "cum", "table", "params"}, {"out"}, kLookupSource, kHeader, true);
  const mx::array table = colormap_table(scheme);
  const int h = data.shape(0), w = data.shape(1), n = h * w;
  const bool disparity = data.dtype() == mx::float32;
  // lo >= hi gives f = 0 for Z16 (params[2] <= 0 there); the disparity formula has no such guard.
  // Cached device arrays, not per-frame host arrays (those page-migrate on every launch).
  const auto params_array = detail::cached_floats({units, lo, hi - lo});
  const int steps = table.shape(0) - 1;
  mx::array hist = detail::cached_ints({0}), cum = hist;
  if (equalize) {
    hist = hist_kernel({data}, {{65536}}, {mx::int32}, {n, 1, 1}, {256, 1, 1},
                       {{"N", n}}, 0.0f, false, s)[0];
    cum = inclusive_cumsum(hist, 0, std::nullopt, s);  // core's CUDA twin: MLX's CUDA cumsum gives the row one block
  }
  return lookup_kernel({data, hist, cum, table, params_array}, {{h, w, 3}}, {mx::uint8}, {n, 1, 1}, {256, 1, 1},
                       {{"N", n}, {"STEPS", steps}, {"DISPARITY", disparity}, {"EQUALIZE", equalize}}, std::nullopt, false, s)[0];
}

}  // namespace detail

}  // namespace robomlx::depth
