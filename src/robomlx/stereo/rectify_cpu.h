// SPDX-License-Identifier: Apache-2.0
// CPU twin of remap_bilinear: a Primitive whose eval_cpu runs the bilinear gather in threads
// (MLX's CPU gather is single-threaded and dominates the portable path). Same rules as the
// portable path: exact bilinear weights, outside neighbours contribute 0, uint8 rounded to
// nearest even and saturated.
#pragma once

#include <mlx/array.h>

namespace robomlx::stereo::detail {

namespace mx = mlx::core;

/// image: [H, W] or [H, W, C] uint8/float32; map: [Ho, Wo, 2] float32. Arguments are checked
/// by the caller (remap_bilinear).
mx::array remap_bilinear_cpu(const mx::array& image, const mx::array& map);

/// True when remaps on the default device should use the CPU twin (choose_impl "stereo.remap").
bool remap_uses_cpu_twin();

}  // namespace robomlx::stereo::detail
