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
mx::array hole_filling_cuda(const mx::array& image, int mode, mx::Stream s);

}  // namespace robomlx::depth::detail
