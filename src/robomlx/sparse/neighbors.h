// SPDX-License-Identifier: Apache-2.0
// Fixed-radius and k-nearest neighbour search on batched point clouds (grid hashing).
//
// Layout: `points` float32 [N, 3] and `queries` float32 [Q, 3], same units (usually metres).
// Batches: optional int32 ids `point_batch` [N] and `query_batch` [Q] (values >= 0; give both or
// neither; they need not be sorted). A query only ever sees points of its own batch id, like
// torch_cluster.radius(x, y, r, batch_x, batch_y). Without ids everything is batch 0.
//
// Algorithm (upstream PointCNN++ "sorted-eight"): cells of side ~2R keyed by (batch, cell), points
// sorted by key, each query binary-searches the 2x2x2 cells covering [q - R, q + R], then the exact
// predicate |p - q|^2 <= R^2 decides. The boundary is INCLUSIVE (a point at exactly R is a
// neighbour; upstream's brute-force oracle uses strict <, so this matters only at the boundary).
// Output sizes depend on the data, so these ops evaluate and synchronise (twice or three times).
//
// Implementations (core/dispatch.h; ROBOMLX_IMPL=portable forces the reference):
//   portable - MLX ops: argsort, searchsorted, candidate expansion, compaction by scatter;
//   cpu      - the candidate scan (and sort/cap) as threaded host loops over the same grid; same
//              output, same order (tested equal); kNN as a ring search on a ~k-per-cell grid;
//   cuda     - the candidate scan as count/fill kernels (fast::cuda_kernel); kNN stays portable.
// kNN's portable path is a capped radius search that doubles R for queries short of k.
// Streams: the searches run on `s` (its device picks the implementation); their results are
// arrays built on `s` or on the host.
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/core/ragged.h"

namespace robomlx::sparse {

namespace mx = mlx::core;

struct RadiusSearchOptions {
  float radius = 0.1f;     // > 0, in the points' units; inclusive
  int max_neighbors = 0;   // 0 = keep all; else keep the closest ones (ties -> lower point index)
  bool sort = false;       // order each query's list by (distance, point index); implied by a cap
  void validate() const;
};

/// Neighbours grouped by query as a ragged list (CSR by query).
/// Within a query, the order is unspecified unless options.sort or a cap asked for distance order.
struct NeighborList {
  mx::array indices;    // int32 [E]: point index j of each neighbour
  mx::array distances;  // float32 [E]: |p_j - q_i| in the points' units
  mx::array offsets;    // int32 [Q + 1]: query i owns entries offsets[i] : offsets[i + 1]

  int num_queries() const { return offsets.shape(0) - 1; }
  int num_edges() const { return indices.shape(0); }
  /// int32 [E]: the query i of each entry.
  mx::array query_ids(mx::StreamOrDevice s = {}) const { return segment_ids(offsets, num_edges(), s); }
  Ragged as_ragged() const { return Ragged{indices, offsets}; }
};

NeighborList radius_search(const mx::array& points, const mx::array& queries, const RadiusSearchOptions& options,
                           const std::optional<mx::array>& point_batch = std::nullopt,
                           const std::optional<mx::array>& query_batch = std::nullopt, mx::StreamOrDevice s = {});

/// k nearest points of each query (same batch only), nearest first, ties -> lower point index.
/// Queries whose batch holds fewer than k points get -1 indices and +inf distances in the tail.
struct KnnResult {
  mx::array indices;    // int32 [Q, k]
  mx::array distances;  // float32 [Q, k]
};

KnnResult knn_search(const mx::array& points, const mx::array& queries, int k,
                     const std::optional<mx::array>& point_batch = std::nullopt,
                     const std::optional<mx::array>& query_batch = std::nullopt, mx::StreamOrDevice s = {});

/// Batch ids [N] from per-batch offsets int32 [B + 1] (points stored batch after batch).
mx::array batch_ids_from_offsets(const mx::array& offsets, mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
