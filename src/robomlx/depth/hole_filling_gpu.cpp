// SPDX-License-Identifier: Apache-2.0
// GPU twin of hole filling (GpuKernel: CUDA and Metal streams from one kernel text; Metal unverified).
// Mode 0: the line walker of kernels/line_walk.cuh (one thread per row).
// Modes 1/2: a pipeline of 32-row blocks sweeping skewed anti-diagonals (kernels/hole_filling_around.cu),
// CUDA only: its blocks wait on each other, which Metal does not promise to allow (hole_filling_twins.h).
// The single-block sweep it replaces kept one SM busy for ~435 us at 640x360 on an H100.
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/hole_filling_twins.h"

#include "robomlx/depth/kernels/hole_filling.cuh.h"
#include "robomlx/depth/kernels/hole_filling_around.cu.h"
#include "robomlx/depth/kernels/hole_filling_around.cuh.h"
#include "robomlx/depth/kernels/hole_filling_from_left.cu.h"
#include "robomlx/depth/kernels/hole_filling_from_left_op.cuh.h"
#include "robomlx/depth/kernels/line_walk.cuh.h"

namespace robomlx::depth::detail {

namespace {

mx::array launch_around(const mx::array& x, bool farest, mx::Stream s) {
  static const GpuKernel kernel("rs_hole_fill_around_mb", {"inp"}, {"out", "progress"}, kernels::hole_filling_around_cu,
                                {kernels::hole_filling_cuh, kernels::hole_filling_around_cuh});
  const int blocks = (x.shape(0) - 2 + 31) / 32;
  return kernel({x}, {x.shape(), {blocks}}, {x.dtype(), mx::int32}, {blocks * 128, 1, 1}, {128, 1, 1},
                {{"T", x.dtype()}, {"FAREST", farest}}, 0, s)[0];
}

}  // namespace

bool hole_filling_metal_supports(int mode) { return mode == 0; }

mx::array hole_filling_gpu(const mx::array& image, int mode, mx::Stream s) {
  if (image.shape(0) < 3 && mode != 0) return image;
  if (mode != 0) return launch_around(image, mode == 1, s);
  static const GpuKernel kernel(
      "rs_hole_fill_left", {"inp"}, {"out"}, kernels::hole_filling_from_left_cu,
      {kernels::hole_filling_cuh, kernels::line_walk_cuh, kernels::hole_filling_from_left_op_cuh});
  const auto v = image.dtype() == mx::float32 ? mx::float32 : mx::int32;
  return kernel({image}, {image.shape()}, {image.dtype()}, {image.shape(0), 1, 1}, {32, 1, 1}, {{"V", v}},
                std::nullopt, s)[0];
}

}  // namespace robomlx::depth::detail
