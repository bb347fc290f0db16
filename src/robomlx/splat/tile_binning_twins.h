// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind bin_tiles(). Both take validated operands
// (tile_binning.h) and the pair count R that bin_tiles() has already read back, and return the same
// integers: the list sorted by (tile, depth bits as int32, Gaussian index).
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/splat/tile_binning.h"

namespace robomlx::splat::detail {

namespace mx = mlx::core;

/// depths [N] float32, tile_rects [N, 4] int32, pairs = R > 0; tiles_x * tiles_y = num_tiles.
struct BinShape {
  int tiles_x = 0, num_tiles = 0;
  int pairs = 0;
};

/// MLX ops: an argsort of the int64 keys tile * N + depth rank over all R pairs, after an argsort
/// of N depth keys. Any device; the parity reference for the twin.
TileBins bin_tiles_portable(const mx::array& depths, const mx::array& tile_rects, const BinShape& shape, mx::Stream s);
/// A counting sort on the host: the visible Gaussians in (depth, index) order by a stable LSD radix
/// sort of the depth bits, then each one appended to every tile of its rect, so that every tile's
/// list comes out in depth order with no comparison sort over the pairs. CPU streams.
TileBins bin_tiles_cpu(const mx::array& depths, const mx::array& tile_rects, const BinShape& shape, mx::Stream s);

}  // namespace robomlx::splat::detail
