// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind rms_norm (rms_norm.h). Arguments are validated by the caller.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::serve::detail {

namespace mx = mlx::core;

/// mx::fast::rms_norm.
mx::array rms_norm_portable(const mx::array& x, const mx::array& weight, float eps, mx::Stream s);
/// CPU streams: one Primitive.
mx::array rms_norm_cpu(const mx::array& x, const mx::array& weight, float eps, mx::Stream s);

}  // namespace robomlx::serve::detail
