// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the radius-search candidate scan (fast::cuda_kernel): one thread per query.
//   count: binary-search the query's 8 cells in the sorted keys, record the slot ranges and count
//          the points within R;
//   fill:  after an exclusive scan of the counts (MLX cumsum + one read-back of the total),
//          rewrite the survivors at the query's offset, in the portable path's order.
// Squared distances use __fmul_rn/__fadd_rn so no FMA contraction changes the inclusive boundary
// relative to the CPU paths. Sizes travel in a small int32 `dims` input (N, Q).
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/sparse/neighbors_twins.h"

namespace robomlx::sparse::detail {

namespace {

constexpr const char* kHeader = R"(
__device__ inline float robomlx_d2(const float* p, int j, float qx, float qy, float qz) {
  float dx = __fsub_rn(p[3 * (long long)j], qx);
  float dy = __fsub_rn(p[3 * (long long)j + 1], qy);
  float dz = __fsub_rn(p[3 * (long long)j + 2], qz);
  return __fadd_rn(__fadd_rn(__fmul_rn(dx, dx), __fmul_rn(dy, dy)), __fmul_rn(dz, dz));
}
)";

constexpr const char* kCountSource = R"(
  const int n = dims[0], q = dims[1];
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= q) return;
  const float r2 = radius_sq[0];
  const float qx = queries[3 * i], qy = queries[3 * i + 1], qz = queries[3 * i + 2];
  int count = 0;
  for (int c = 0; c < 8; ++c) {
    const long long key = cell_keys[i * 8 + c];
    int lo = 0, hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >> 1;
      if (sorted_keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    const int first = lo;
    hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >> 1;
      if (sorted_keys[mid] <= key) lo = mid + 1; else hi = mid;
    }
    ranges[i * 16 + 2 * c] = first;
    ranges[i * 16 + 2 * c + 1] = lo;
    for (int s = first; s < lo; ++s) count += robomlx_d2(points, order[s], qx, qy, qz) <= r2;
  }
  counts[i] = count;
)";

constexpr const char* kFillSource = R"(
  const int q = dims[1];
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= q) return;
  const float r2 = radius_sq[0];
  const float qx = queries[3 * i], qy = queries[3 * i + 1], qz = queries[3 * i + 2];
  int out = offsets[i];
  for (int c = 0; c < 8; ++c) {
    for (int s = ranges[i * 16 + 2 * c]; s < ranges[i * 16 + 2 * c + 1]; ++s) {
      const int j = order[s];
      const float d2 = robomlx_d2(points, j, qx, qy, qz);
      if (d2 <= r2) {
        query_ids[out] = (int)i;
        indices[out] = j;
        dist_sq[out] = d2;
        ++out;
      }
    }
  }
)";

const mx::fast::CustomKernelFunction& count_kernel() {
  static const auto k = mx::fast::cuda_kernel(
      "robomlx_sparse_radius_count", {"sorted_keys", "cell_keys", "order", "points", "queries", "radius_sq", "dims"},
      {"counts", "ranges"}, kCountSource, kHeader);
  return k;
}

const mx::fast::CustomKernelFunction& fill_kernel() {
  static const auto k = mx::fast::cuda_kernel(
      "robomlx_sparse_radius_fill", {"ranges", "offsets", "order", "points", "queries", "radius_sq", "dims"},
      {"query_ids", "indices", "dist_sq"}, kFillSource, kHeader);
  return k;
}

}  // namespace

std::vector<mx::array> scan_cells_cuda(const SearchGrid& grid, const mx::array& points, const mx::array& queries,
                                       mx::Stream s) {
  int n = points.shape(0), q = queries.shape(0);
  auto dims = mx::array({n, q});
  auto r2 = mx::array({grid.radius_sq});
  int threads = 256, blocks = (q + threads - 1) / threads;
  auto cells = mx::flatten(grid.cell_keys, s);
  auto counted = count_kernel()({grid.sorted_keys, cells, grid.order, points, queries, r2, dims}, {{q}, {q * 16}},
                                {mx::int32, mx::int32}, {blocks * threads, 1, 1}, {threads, 1, 1}, {}, std::nullopt,
                                false, s);
  auto offsets = lengths_to_offsets(counted[0], s);
  int total = mx::slice(offsets, {q}, {q + 1}, s).item<int>();
  if (total == 0) {
    auto none = mx::zeros({0}, mx::int32, s);
    return {none, none, mx::zeros({0}, mx::float32, s), counted[0]};
  }
  auto filled = fill_kernel()({counted[1], offsets, grid.order, points, queries, r2, dims}, {{total}, {total}, {total}},
                              {mx::int32, mx::int32, mx::float32}, {blocks * threads, 1, 1}, {threads, 1, 1}, {},
                              std::nullopt, false, s);
  return {filled[0], filled[1], filled[2], counted[0]};
}

}  // namespace robomlx::sparse::detail
