// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind hole_filling(). Arguments are validated by the caller;
// `image` is [H, W] uint16 or float32.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/hole_filling.h"

namespace robomlx::depth::detail {

mx::array hole_filling_portable(const mx::array& image, int mode, mx::Stream s);
mx::array hole_filling_cpu(const mx::array& image, int mode, mx::Stream s);
/// GpuKernel (CUDA and Metal streams): the line walker for mode 0, a pipeline of blocks for modes
/// 1/2 whose blocks wait on each other: on Metal, which does not promise that such waits end, only
/// mode 0 runs (hole_filling_metal_supports).
mx::array hole_filling_gpu(const mx::array& image, int mode, mx::Stream s);
bool hole_filling_metal_supports(int mode);

}  // namespace robomlx::depth::detail
