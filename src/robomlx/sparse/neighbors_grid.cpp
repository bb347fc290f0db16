// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/neighbors_grid.h"

#include <cfloat>
#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"

namespace robomlx::sparse::detail {

namespace {
constexpr const char* kTag = "sparse.neighbors";

mx::array batch_or_zeros(const std::optional<mx::array>& batch, int n) {
  return batch ? mx::astype(*batch, mx::int64) : mx::zeros({n}, mx::int64);
}

// Cell key of integer cell coordinates c (int64 [..., 3]) in batch b (int64 [...]).
mx::array cell_key(const mx::array& b, const mx::array& c, const int64_t dims[3]) {
  auto cx = mx::take(c, 0, -1), cy = mx::take(c, 1, -1), cz = mx::take(c, 2, -1);
  auto dx = mx::array(dims[0], mx::int64), dy = mx::array(dims[1], mx::int64), dz = mx::array(dims[2], mx::int64);
  return mx::add(mx::multiply(mx::add(mx::multiply(mx::add(mx::multiply(b, dz), cz), dy), cy), dx), cx);
}
}  // namespace

SearchGrid build_search_grid(const mx::array& points, const mx::array& queries, float radius,
                             const std::optional<mx::array>& point_batch, const std::optional<mx::array>& query_batch) {
  int n = points.shape(0), q = queries.shape(0);
  auto pb = batch_or_zeros(point_batch, n);
  auto qb = batch_or_zeros(query_batch, q);
  int64_t num_batches = 1;
  if (point_batch && n > 0) {
    auto bmax = mx::max(mx::concatenate({pb, qb}));
    num_batches = bmax.item<int64_t>() + 1;
  }
  // Bounds over points and queries; the cell grid starts one cell below them so every query's
  // 2x2x2 block has non-negative coordinates.
  auto all = mx::concatenate({points, queries}, 0);
  auto lo = mx::min(all, 0), hi = mx::max(all, 0);
  mx::eval(lo, hi);
  const float* lo_p = lo.data<float>();
  const float* hi_p = hi.data<float>();
  float extent = 0;
  for (int a = 0; a < 3; ++a) extent = std::max(extent, std::max(std::fabs(lo_p[a]), std::fabs(hi_p[a])));
  // Slack covering float rounding in (x - origin) / side: cells are a little wider than 2R so a
  // point at exactly R is never lost across a cell boundary.
  float slack = 16 * FLT_EPSILON * (extent + radius);
  float side = 2 * radius + 4 * slack;
  int64_t dims[3];
  double cells = static_cast<double>(num_batches);
  float origin[3];
  for (int a = 0; a < 3; ++a) {
    origin[a] = lo_p[a] - side;
    dims[a] = static_cast<int64_t>(std::floor((hi_p[a] - origin[a]) / side)) + 2;
    cells *= static_cast<double>(dims[a]);
  }
  if (cells > 4.0e18) {
    fail_argument(kTag, "radius " + std::to_string(radius) + " is too small for a cloud of extent " +
                            std::to_string(extent) + " (more than 4e18 grid cells)");
  }
  auto org = mx::array(origin, {1, 3}, mx::float32);
  auto side_a = mx::array(side, mx::float32);
  auto pc = mx::astype(mx::floor(mx::divide(mx::subtract(points, org), side_a)), mx::int64);
  auto keys = cell_key(pb, pc, dims);
  auto order = mx::astype(mx::argsort(keys), mx::int32);
  auto sorted_keys = mx::take(keys, order);

  auto reach = mx::array(radius + slack, mx::float32);
  auto base = mx::astype(mx::floor(mx::divide(mx::subtract(mx::subtract(queries, reach), org), side_a)), mx::int64);
  std::vector<mx::array> blocks;
  for (int dz = 0; dz < 2; ++dz) {
    for (int dy = 0; dy < 2; ++dy) {
      for (int dx = 0; dx < 2; ++dx) {
        auto step = mx::array({int64_t{dx}, int64_t{dy}, int64_t{dz}}, {1, 3});
        blocks.push_back(cell_key(qb, mx::add(base, step), dims));
      }
    }
  }
  auto cell_keys = q > 0 ? mx::stack(blocks, 1) : mx::zeros({0, 8}, mx::int64);
  mx::eval(sorted_keys, order, cell_keys);
  return SearchGrid{sorted_keys, order, cell_keys, radius * radius};
}

NeighborList finish_neighbors(const mx::array& query, const mx::array& index, const mx::array& dist_sq,
                              const mx::array& counts, int num_queries, const RadiusSearchOptions& options) {
  auto offsets = lengths_to_offsets(counts);
  int e = index.shape(0);
  if (!(options.sort || options.max_neighbors > 0) || e == 0) {
    return NeighborList{index, mx::sqrt(dist_sq), offsets};
  }
  // Lexicographic (query, distance, index) with three stable sorts, least significant first.
  auto a = mx::argsort(index);
  auto b = mx::take(a, mx::argsort(mx::take(dist_sq, a)));
  auto c = mx::take(b, mx::argsort(mx::take(query, b)));
  auto qi = mx::take(query, c), j = mx::take(index, c), d2 = mx::take(dist_sq, c);
  if (options.max_neighbors <= 0) return NeighborList{j, mx::sqrt(d2), offsets};

  auto rank = mx::subtract(mx::arange(e, mx::int32), mx::take(offsets, qi));
  auto keep = mx::less(rank, mx::array(options.max_neighbors));
  auto capped = mx::minimum(counts, mx::array(options.max_neighbors));
  auto new_offsets = lengths_to_offsets(capped);
  mx::eval(new_offsets, keep);
  int kept = mx::slice(new_offsets, {num_queries}, {num_queries + 1}).item<int>();
  // Kept entries move to their running position; the rest go to a spare slot that is dropped.
  auto dest = mx::where(keep, mx::subtract(mx::cumsum(mx::astype(keep, mx::int32), 0), mx::array(1)), mx::array(kept));
  auto compact = [&](const mx::array& v) {
    auto out = mx::scatter(mx::zeros({kept + 1}, v.dtype()), dest, mx::expand_dims(v, 1), 0);
    return mx::slice(out, {0}, {kept});
  };
  return NeighborList{compact(j), mx::sqrt(compact(d2)), new_offsets};
}

}  // namespace robomlx::sparse::detail
