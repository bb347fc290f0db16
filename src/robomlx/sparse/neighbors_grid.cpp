// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/neighbors_twins.h"

#include <cfloat>
#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"

namespace robomlx::sparse::detail {

namespace {
constexpr const char* kTag = "sparse.neighbors";

mx::array batch_or_zeros(const std::optional<mx::array>& batch, int n, mx::Stream s) {
  return batch ? mx::astype(*batch, mx::int64, s) : mx::zeros({n}, mx::int64, s);
}

// Cell key of integer cell coordinates c (int64 [..., 3]) in batch b (int64 [...]).
mx::array cell_key(const mx::array& b, const mx::array& c, const int64_t dims[3], mx::Stream s) {
  auto cx = mx::take(c, 0, -1, s), cy = mx::take(c, 1, -1, s), cz = mx::take(c, 2, -1, s);
  auto dx = mx::array(dims[0], mx::int64), dy = mx::array(dims[1], mx::int64), dz = mx::array(dims[2], mx::int64);
  auto bz = mx::add(mx::multiply(b, dz, s), cz, s);
  return mx::add(mx::multiply(mx::add(mx::multiply(bz, dy, s), cy, s), dx, s), cx, s);
}
}  // namespace

SearchGrid build_search_grid(const mx::array& points, const mx::array& queries, float radius,
                             const std::optional<mx::array>& point_batch, const std::optional<mx::array>& query_batch,
                             mx::Stream s) {
  int n = points.shape(0), q = queries.shape(0);
  auto pb = batch_or_zeros(point_batch, n, s);
  auto qb = batch_or_zeros(query_batch, q, s);
  int64_t num_batches = 1;
  if (point_batch && n > 0) {
    auto bmax = mx::max(mx::concatenate({pb, qb}, s), s);
    num_batches = bmax.item<int64_t>() + 1;
  }
  // Bounds over points and queries; the cell grid starts one cell below them so every query's
  // 2x2x2 block has non-negative coordinates.
  auto all = mx::concatenate({points, queries}, 0, s);
  auto lo = mx::min(all, 0, false, s), hi = mx::max(all, 0, false, s);
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
  auto pc = mx::astype(mx::floor(mx::divide(mx::subtract(points, org, s), side_a, s), s), mx::int64, s);
  auto keys = cell_key(pb, pc, dims, s);
  auto order = mx::astype(mx::argsort(keys, s), mx::int32, s);
  auto sorted_keys = mx::take(keys, order, s);

  auto reach = mx::array(radius + slack, mx::float32);
  auto shifted = mx::subtract(mx::subtract(queries, reach, s), org, s);
  auto base = mx::astype(mx::floor(mx::divide(shifted, side_a, s), s), mx::int64, s);
  std::vector<mx::array> blocks;
  for (int dz = 0; dz < 2; ++dz) {
    for (int dy = 0; dy < 2; ++dy) {
      for (int dx = 0; dx < 2; ++dx) {
        auto step = mx::array({int64_t{dx}, int64_t{dy}, int64_t{dz}}, {1, 3});
        blocks.push_back(cell_key(qb, mx::add(base, step, s), dims, s));
      }
    }
  }
  auto cell_keys = q > 0 ? mx::stack(blocks, 1, s) : mx::zeros({0, 8}, mx::int64, s);
  mx::eval(sorted_keys, order, cell_keys);
  return SearchGrid{sorted_keys, order, cell_keys, radius * radius};
}

NeighborList finish_neighbors(const mx::array& query, const mx::array& index, const mx::array& dist_sq,
                              const mx::array& counts, int num_queries, const RadiusSearchOptions& options,
                              mx::Stream s) {
  auto offsets = lengths_to_offsets(counts, s);
  int e = index.shape(0);
  if (!(options.sort || options.max_neighbors > 0) || e == 0) {
    return NeighborList{index, mx::sqrt(dist_sq, s), offsets};
  }
  // Lexicographic (query, distance, index) with three stable sorts, least significant first.
  auto a = mx::argsort(index, s);
  auto b = mx::take(a, mx::argsort(mx::take(dist_sq, a, s), s), s);
  auto c = mx::take(b, mx::argsort(mx::take(query, b, s), s), s);
  auto qi = mx::take(query, c, s), j = mx::take(index, c, s), d2 = mx::take(dist_sq, c, s);
  if (options.max_neighbors <= 0) return NeighborList{j, mx::sqrt(d2, s), offsets};

  auto rank = mx::subtract(mx::arange(e, mx::int32, s), mx::take(offsets, qi, s), s);
  auto keep = mx::less(rank, mx::array(options.max_neighbors), s);
  auto capped = mx::minimum(counts, mx::array(options.max_neighbors), s);
  auto new_offsets = lengths_to_offsets(capped, s);
  mx::eval(new_offsets, keep);
  int kept = mx::slice(new_offsets, {num_queries}, {num_queries + 1}, s).item<int>();
  // Kept entries move to their running position; the rest go to a spare slot that is dropped.
  auto running = mx::cumsum(mx::astype(keep, mx::int32, s), 0, false, true, std::nullopt, s);
  auto dest = mx::where(keep, mx::subtract(running, mx::array(1), s), mx::array(kept), s);
  auto compact = [&](const mx::array& v) {
    auto out = mx::scatter(mx::zeros({kept + 1}, v.dtype(), s), dest, mx::expand_dims(v, 1, s), 0, s);
    return mx::slice(out, {0}, {kept}, s);
  };
  return NeighborList{compact(j), mx::sqrt(compact(d2), s), new_offsets};
}

}  // namespace robomlx::sparse::detail
