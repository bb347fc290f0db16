// SPDX-License-Identifier: Apache-2.0
// splat.bin: graphdeco's duplicateWithKeys + radix sort + identifyTileRanges as MLX ops. Every
// visible Gaussian is listed once per tile its rect covers; the list is sorted by (tile, view
// depth), ties by Gaussian index (graphdeco leaves ties unordered).
//
// One host sync: the number of pairs R sizes the list (graphdeco's one device-to-host copy).
// R is capped (max_pairs): a Gaussian at the near plane or a bad camera can ask for billions of
// pairs (graphdeco's "87,000 GB" reports); over the cap is a clear error, not an allocation.
#pragma once

#include <cstdint>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "robomlx/splat/blend_tiles.h"

namespace robomlx::splat {

struct TileBins {
  mx::array point_list;   // [R] int32 Gaussian ids sorted by (tile, depth)
  mx::array tile_ranges;  // [T, 2] int32 [start, end) per tile, tile = ty * tiles_x + tx
  std::int64_t num_rendered = 0;  // R
};

inline constexpr std::int64_t kDefaultMaxPairs = std::int64_t{1} << 28;

/// depths [N] float32 (> 0 where visible), tile_rects [N, 4] int32 (ProjectedGaussians). Throws
/// std::runtime_error "[splat.bin] ... pairs ..." when R > max_pairs, std::invalid_argument
/// "[splat.bin] tile_rects must be ..." when a rect is upside down or leaves the tile grid.
/// Implementations (core/dispatch.h, tag "splat.bin"): the portable MLX ops (any device) and a
/// CPU twin that counts instead of sorting the pairs (tile_binning_twins.h); same integers.
TileBins bin_tiles(const mx::array& depths, const mx::array& tile_rects, const BlendSettings& settings,
                   std::int64_t max_pairs = kDefaultMaxPairs, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
