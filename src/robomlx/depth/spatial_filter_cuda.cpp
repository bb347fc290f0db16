// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the spatial filter (fast::cuda_kernel). The recursions are serial along a line; the
// line walker of kernels/line_walk.cuh gives each thread one row or column. One launch does a whole
// direction (forward then backward pass), so an iteration is two launches.
// Options are template constants (alpha and 1 - alpha as float bit patterns, both >= 0): no per-frame
// parameter array, and a new kernel is compiled only when an option changes.
// __fmul_rn/__fadd_rn keep NVRTC from fusing a*b+c into an FMA, which would break bit-exactness.
#include <stdexcept>
#include <string>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
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
const char* kCudaLineWalk = kernels::line_walk_cuh.cuda;
const char* kHeader = kernels::spatial_filter_cuh.cuda;
const char* kFloatRows = kernels::spatial_filter_float_rows_cu.cuda;
const char* kFloatColumns = kernels::spatial_filter_float_columns_cu.cuda;
const char* kFloatFill = kernels::spatial_filter_float_fill_cu.cuda;
const char* kZ16Rows = kernels::spatial_filter_z16_rows_cu.cuda;
const char* kZ16Columns = kernels::spatial_filter_z16_columns_cu.cuda;

mx::fast::CustomKernelFunction make(const char* name, const char* source) {
  return mx::fast::cuda_kernel(name, {"inp"}, {"out"}, source, std::string(kCudaLineWalk) + kHeader, true);
}

}  // namespace

mx::array spatial_filter_cuda(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.spatial/cuda] needs a CUDA GPU stream");
  static const auto float_rows = make("rs_spatial_f32_rows", kFloatRows);
  static const auto float_cols = make("rs_spatial_f32_columns", kFloatColumns);
  static const auto float_fill = make("rs_spatial_f32_fill", kFloatFill);
  static const auto z16_rows = make("rs_spatial_z16_rows", kZ16Rows);
  static const auto z16_cols = make("rs_spatial_z16_columns", kZ16Columns);
  const int h = image.shape(0), w = image.shape(1);
  const int radius = o.holes_fill_radius();
  // alpha in [0.25, 1], so both bit patterns are non-negative (they become part of the kernel name).
  const std::vector<std::pair<std::string, mx::fast::TemplateArg>> consts = {
      {"ALPHA_BITS", float_bits(o.alpha)}, {"KEEP_BITS", float_bits(1.0f - o.alpha)}, {"DELTA", o.delta},
      {"RADIUS", radius}};
  const bool is_float = image.dtype() == mx::float32;
  auto launch = [&](const mx::fast::CustomKernelFunction& kernel, const mx::array& x, int lines) {
    const int threads = (lines + 31) / 32 * 32;
    return kernel({x}, {x.shape()}, {x.dtype()}, {threads, 1, 1}, {32, 1, 1}, consts, std::nullopt, false, s)[0];
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
