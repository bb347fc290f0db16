// SPDX-License-Identifier: Apache-2.0
// GPU twin of the radius-search candidate scan (GpuKernel: CUDA and Metal streams from one kernel
// text, Metal unverified): one thread per query.
//   count: binary-search the query's 8 cells in the sorted keys, record the slot ranges and count
//          the points within R;
//   fill:  after an exclusive scan of the counts (MLX cumsum + one read-back of the total),
//          rewrite the survivors at the query's offset, in the portable path's order.
// Squared distances use rm_fmul_rn/rm_fadd_rn so no FMA contraction changes the inclusive boundary
// relative to the CPU paths. Sizes travel in a small int32 `dims` input (N, Q).
#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/sparse/neighbors_twins.h"

#include "robomlx/sparse/kernels/neighbors.cuh.h"
#include "robomlx/sparse/kernels/neighbors_radius_count.cu.h"
#include "robomlx/sparse/kernels/neighbors_radius_fill.cu.h"

namespace robomlx::sparse::detail {

namespace {

const GpuKernel& count_kernel() {
  static const GpuKernel k("robomlx_sparse_radius_count",
                           {"sorted_keys", "cell_keys", "order", "points", "queries", "radius_sq", "dims"},
                           {"counts", "ranges"}, kernels::neighbors_radius_count_cu, {kernels::neighbors_cuh});
  return k;
}

const GpuKernel& fill_kernel() {
  static const GpuKernel k("robomlx_sparse_radius_fill",
                           {"ranges", "offsets", "order", "points", "queries", "radius_sq", "dims"},
                           {"query_ids", "indices", "dist_sq"}, kernels::neighbors_radius_fill_cu,
                           {kernels::neighbors_cuh});
  return k;
}

}  // namespace

std::vector<mx::array> scan_cells_gpu(const SearchGrid& grid, const mx::array& points, const mx::array& queries,
                                      mx::Stream s) {
  int n = points.shape(0), q = queries.shape(0);
  auto dims = mx::array({n, q});
  auto r2 = mx::array({grid.radius_sq});
  int threads = 256, blocks = (q + threads - 1) / threads;
  auto cells = mx::flatten(grid.cell_keys, s);
  auto counted = count_kernel()({grid.sorted_keys, cells, grid.order, points, queries, r2, dims}, {{q}, {q * 16}},
                                {mx::int32, mx::int32}, {blocks * threads, 1, 1}, {threads, 1, 1}, {}, std::nullopt,
                                s);
  auto offsets = lengths_to_offsets(counted[0], s);
  int total = mx::slice(offsets, {q}, {q + 1}, s).item<int>();
  if (total == 0) {
    auto none = mx::zeros({0}, mx::int32, s);
    return {none, none, mx::zeros({0}, mx::float32, s), counted[0]};
  }
  auto filled = fill_kernel()({counted[1], offsets, grid.order, points, queries, r2, dims}, {{total}, {total}, {total}},
                              {mx::int32, mx::int32, mx::float32}, {blocks * threads, 1, 1}, {threads, 1, 1}, {},
                              std::nullopt, s);
  return {filled[0], filled[1], filled[2], counted[0]};
}

}  // namespace robomlx::sparse::detail
