// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind blend_tiles(). All take validated operands
// (blend_tiles.h) and return the three images on stream `s`, differentiable in means2d, conics,
// opacities, colors and inv_depths with the same backward semantics.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/splat/blend_tiles.h"

namespace robomlx::splat::detail {

struct BlendOperands {
  mx::array means2d, conics, opacities, colors, inv_depths;  // float32 [N,2], [N,3], [N], [N,3], [N]
  mx::array point_list, tile_ranges;                          // int32 [R], [T,2]
};

/// MLX ops only (any device; autodiff gives the backward): the parity reference for the twins.
/// Tiles are grouped by list length and blended densely per group; one host sync reads the
/// tile lengths. Meant for small images and tests, not speed.
BlendOutput blend_tiles_portable(const BlendOperands& in, const BlendSettings& settings, mx::Stream s);
/// Primitives with threaded eval_cpu (forward keeps T_final and the last contributor per pixel;
/// backward walks each tile back to front), joined by a custom VJP. CPU streams.
BlendOutput blend_tiles_cpu(const BlendOperands& in, const BlendSettings& settings, mx::Stream s);
/// GpuKernels, one block per tile (CUDA and Metal streams; Metal unverified), same custom VJP.
BlendOutput blend_tiles_gpu(const BlendOperands& in, const BlendSettings& settings, mx::Stream s);

}  // namespace robomlx::splat::detail
