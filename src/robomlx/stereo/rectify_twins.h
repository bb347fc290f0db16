// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind remap_bilinear (rectify.h, tag
// "stereo.remap"). Arguments are checked by the caller; both run on the stream they are given.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/stereo/rectify.h"

namespace robomlx::stereo::detail {

/// MLX ops only (any device; the parity reference): one gather of the table's 4 neighbours and
/// a weighted sum (rectify.cpp). image: [H, W] or [H, W, C] uint8/float32 of the table's size.
mx::array remap_bilinear_portable(const mx::array& image, const RemapTable& table, mx::Stream s);

/// CPU twin: a Primitive whose eval_cpu runs the bilinear gather in threads (MLX's CPU gather is
/// single-threaded and dominates the portable path); CPU streams. Same rules as the portable
/// path: exact bilinear weights, outside neighbours contribute 0, uint8 rounded to nearest even
/// and saturated (rectify_cpu.cpp). image: [H, W] or [H, W, C]; map: [Ho, Wo, 2] float32.
mx::array remap_bilinear_cpu(const mx::array& image, const mx::array& map, mx::Stream s);

/// Whether remaps on `s` would run the CPU twin (a plan: preview_impl records nothing).
bool remap_plans_cpu_twin(mx::Stream s);

}  // namespace robomlx::stereo::detail
