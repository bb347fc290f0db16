// SPDX-License-Identifier: Apache-2.0
// Internal: the CPU twin behind threshold() (threshold.h). threshold() turns librealsense's float32
// rule into the kept raw interval [lo, lo + span] on the host; both paths then keep z where
// uint16(z - lo) <= span (wrapping), else write 0, so their outputs are identical.
#pragma once

#include <cstdint>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/cpu_isa_internal.h"

namespace robomlx::depth::detail {

namespace mx = mlx::core;

/// One pass over a uint16 [H, W] depth (a custom Primitive, CPU streams): the portable path's three
/// whole-image ops (subtract, compare, select) and their intermediates in one read and one write.
mx::array threshold_interval_cpu(const mx::array& depth, std::uint16_t lo, std::uint16_t span, mx::Stream s);

/// The twin's loop over n values at the given width (usable_cpu_isa lowers it to what the CPU runs).
void threshold_interval_row(const std::uint16_t* z, std::uint16_t* out, std::int64_t n, std::uint16_t lo,
                            std::uint16_t span, CpuIsa isa);

}  // namespace robomlx::depth::detail
