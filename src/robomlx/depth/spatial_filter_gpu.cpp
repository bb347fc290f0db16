// SPDX-License-Identifier: Apache-2.0
// GPU twin of the spatial filter (GpuKernel: fast::cuda_kernel on CUDA streams, fast::metal_kernel
// on Metal streams, from one kernel text; Metal unverified). The recursions are serial along a
// line; the line walker of kernels/line_walk.cuh gives each thread one row or column. One launch
// does a whole direction (forward then backward pass), so an iteration is two launches.
// Options are template constants (alpha and 1 - alpha as float bit patterns, both >= 0): no per-frame
// parameter array, and a new kernel is compiled only when an option changes.
// rm_fmul_rn/rm_fadd_rn keep NVRTC from fusing a*b+c into an FMA, which would break bit-exactness.
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/cuda_params_internal.h"
#include "robomlx/depth/spatial_filter_twins.h"

#include "robomlx/depth/kernels/line_walk.cuh.h"
#include "robomlx/depth/kernels/spatial_filter.cuh.h"
#include "robomlx/depth/kernels/spatial_filter_float_columns.cu.h"
#include "robomlx/depth/kernels/spatial_filter_float_fill.cu.h"
#include "robomlx/depth/kernels/spatial_filter_float_rows.cu.h"
#include "robomlx/depth/kernels/spatial_filter_z16_columns.cu.h"
#include "robomlx/depth/kernels/spatial_filter_z16_rows.cu.h"

namespace robomlx::depth::detail {

namespace {

// The kernel texts: kernels/*.cu(h), embedded at build time (cmake/robomlx_kernels.cmake).
GpuKernel make(const char* name, KernelText body) {
  return GpuKernel(name, {"inp"}, {"out"}, body, {kernels::line_walk_cuh, kernels::spatial_filter_cuh});
}

}  // namespace

mx::array spatial_filter_gpu(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  static const GpuKernel float_rows = make("rs_spatial_f32_rows", kernels::spatial_filter_float_rows_cu);
  static const GpuKernel float_cols = make("rs_spatial_f32_columns", kernels::spatial_filter_float_columns_cu);
  static const GpuKernel float_fill = make("rs_spatial_f32_fill", kernels::spatial_filter_float_fill_cu);
  static const GpuKernel z16_rows = make("rs_spatial_z16_rows", kernels::spatial_filter_z16_rows_cu);
  static const GpuKernel z16_cols = make("rs_spatial_z16_columns", kernels::spatial_filter_z16_columns_cu);
  const int h = image.shape(0), w = image.shape(1);
  const int radius = o.holes_fill_radius();
  // alpha in [0.25, 1], so both bit patterns are non-negative (they become part of the kernel name).
  const TemplateArgs consts = {{"ALPHA_BITS", float_bits(o.alpha)},
                               {"KEEP_BITS", float_bits(1.0f - o.alpha)},
                               {"DELTA", o.delta},
                               {"RADIUS", radius}};
  const bool is_float = image.dtype() == mx::float32;
  auto launch = [&](const GpuKernel& kernel, const mx::array& x, int lines) {
    return kernel({x}, {x.shape()}, {x.dtype()}, {lines, 1, 1}, {32, 1, 1}, consts, std::nullopt, s)[0];
  };
  auto x = image;
  for (int it = 0; it < o.iterations; ++it) {
    x = launch(is_float ? float_rows : z16_rows, x, h);
    x = launch(is_float ? float_cols : z16_cols, x, w);
  }
  if (is_float && radius > 0) x = launch(float_fill, x, h);
  return x;
}

}  // namespace robomlx::depth::detail
