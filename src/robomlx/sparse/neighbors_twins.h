// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind radius_search() and knn_search(), and the
// hashed grid they share. The candidate scan has three paths (portable in neighbors.cpp, CPU
// twin in neighbors_cpu.cpp, GPU twin (CUDA and Metal) in neighbors_gpu.cpp); kNN has a portable path
// (neighbors_knn.cpp) and a CPU twin (neighbors_knn_cpu.cpp). All run on the given stream.
#pragma once

#include <optional>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/sparse/neighbors.h"

namespace robomlx::sparse::detail {

/// Points sorted by (batch, cell) key plus, per query, the keys of the 2x2x2 cells that cover
/// [q - R, q + R]. Everything is evaluated.
struct SearchGrid {
  mx::array sorted_keys;  // int64 [N], ascending
  mx::array order;        // int32 [N]: point index of each sorted slot (stable: ties by index)
  mx::array cell_keys;    // int64 [Q, 8]: candidate cells of each query, in a fixed order
  float radius_sq = 0;    // the inclusive threshold on squared distances
};

SearchGrid build_search_grid(const mx::array& points, const mx::array& queries, float radius,
                             const std::optional<mx::array>& point_batch, const std::optional<mx::array>& query_batch,
                             mx::Stream s);

/// Unfiltered-order edge list (by query, then cell, then sorted slot) -> NeighborList, applying
/// the optional sort by (distance, index) and the cap. `query` int32 [E], `index` int32 [E],
/// `dist_sq` float32 [E]; counts int32 [Q].
NeighborList finish_neighbors(const mx::array& query, const mx::array& index, const mx::array& dist_sq,
                              const mx::array& counts, int num_queries, const RadiusSearchOptions& options,
                              mx::Stream s);

/// Shape, dtype and batch-id checks shared by radius_search and knn_search (throws).
void validate_search_inputs(const mx::array& points, const mx::array& queries, const std::optional<mx::array>& point_batch,
                            const std::optional<mx::array>& query_batch, mx::Stream s);

/// The candidate scan over `grid`: (query, index, dist_sq, counts), by query, then cell, then
/// sorted slot. Portable: MLX ops (searchsorted, expansion, compaction by scatter).
std::vector<mx::array> scan_cells_portable(const SearchGrid& grid, const mx::array& points, const mx::array& queries,
                                           mx::Stream s);

/// CPU twin of the candidate scan: threaded binary search + distance test over `grid` (CPU
/// streams). Same order as the portable path; with `sort` or `cap` > 0 each query's list is
/// already ordered by (distance, index) and capped.
std::vector<mx::array> scan_cells_cpu(const SearchGrid& grid, const mx::array& points, const mx::array& queries,
                                      bool sort, int cap, mx::Stream s);

/// CUDA twin of the candidate scan (count and fill kernels; CUDA streams); same outputs and order.
std::vector<mx::array> scan_cells_gpu(const SearchGrid& grid, const mx::array& points, const mx::array& queries,
                                       mx::Stream s);

/// Host kNN twin (grid of ~k points per cell, rings of cells around each query, bounded heap;
/// CPU streams). Inputs validated and non-empty; same result as the portable path.
KnnResult knn_cpu(const mx::array& points, const mx::array& queries, int k, const std::optional<mx::array>& point_batch,
                  const std::optional<mx::array>& query_batch, mx::Stream s);

}  // namespace robomlx::sparse::detail
