// SPDX-License-Identifier: Apache-2.0
// kNN as capped radius searches with a growing radius: when a query has at least k neighbours
// within R, its k nearest all lie within R, so the closest-k cap of the radius search is exact.
// Queries short of k retry with 2R; once R exceeds the cloud's diagonal every point of the batch
// is in range and whatever was found is final.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/neighbors.h"
#include "robomlx/sparse/neighbors_twins.h"

namespace robomlx::sparse {

KnnResult knn_search(const mx::array& points, const mx::array& queries, int k,
                     const std::optional<mx::array>& point_batch, const std::optional<mx::array>& query_batch,
                     mx::StreamOrDevice stream_or_device) {
  if (k < 1) fail_argument("sparse.knn", "k must be >= 1, got " + std::to_string(k));
  const mx::Stream s = op_stream(stream_or_device);
  int n = points.shape(0), q = queries.shape(0);
  auto indices = mx::full({q * k + 1}, -1, mx::int32, s);
  auto dists = mx::full({q * k + 1}, std::numeric_limits<float>::infinity(), mx::float32, s);
  auto finish = [&] {
    return KnnResult{mx::reshape(mx::slice(indices, {0}, {q * k}, s), {q, k}, s),
                     mx::reshape(mx::slice(dists, {0}, {q * k}, s), {q, k}, s)};
  };
  detail::validate_search_inputs(points, queries, point_batch, query_batch, s);
  if (n == 0 || q == 0) return finish();
  if (choose_impl("sparse.knn", s, ImplSet{.cpu = true}) == Impl::cpu) {
    return detail::knn_cpu(points, queries, k, point_batch, query_batch, s);
  }
  // Starting radius: 1/8 of the ball that would hold ~k points at the cloud's mean density. Real
  // scans are far denser than their bounding box suggests, and a too-large radius costs much more
  // (candidates grow with R^3) than a few cheap extra rounds with small radii.
  auto lo = mx::min(points, 0, false, s), hi = mx::max(points, 0, false, s);
  mx::eval(lo, hi);
  double diag2 = 0, volume = 1;
  for (int a = 0; a < 3; ++a) {
    double e = hi.data<float>()[a] - lo.data<float>()[a];
    diag2 += e * e;
  }
  double diag = std::sqrt(diag2);
  for (int a = 0; a < 3; ++a) volume *= (hi.data<float>()[a] - lo.data<float>()[a]) + 1e-2 * diag + 1e-12;
  double radius = std::cbrt(volume * k / (n * 4.18879)) / 8;
  double final_radius = diag * 1.001 + 1e-6;
  radius = std::min(std::max(radius, 1e-6 * final_radius), final_radius);

  auto remaining = mx::arange(q, mx::int32, s);
  int num_remaining = q;
  while (num_remaining > 0) {
    bool last = radius >= final_radius;
    auto sub_queries = mx::take(queries, remaining, 0, s);
    std::optional<mx::array> sub_batch;
    if (query_batch) sub_batch = mx::take(*query_batch, remaining, 0, s);
    RadiusSearchOptions opts;
    opts.radius = static_cast<float>(radius);
    opts.max_neighbors = k;
    auto nl = radius_search(points, sub_queries, opts, point_batch, sub_batch, s);
    auto lengths = offsets_to_lengths(nl.offsets, s);
    auto done = last ? mx::ones({num_remaining}, mx::bool_, s) : mx::greater_equal(lengths, mx::array(k), s);
    int e = nl.num_edges();
    if (e > 0) {
      auto qi = nl.query_ids(s);
      auto rank = mx::subtract(mx::arange(e, mx::int32, s), mx::take(nl.offsets, qi, s), s);
      auto slot = mx::add(mx::multiply(mx::take(remaining, qi, s), mx::array(k), s), rank, s);
      slot = mx::where(mx::take(done, qi, s), slot, mx::array(q * k), s);
      indices = mx::scatter(indices, slot, mx::expand_dims(nl.indices, 1, s), 0, s);
      dists = mx::scatter(dists, slot, mx::expand_dims(nl.distances, 1, s), 0, s);
    }
    // Keep the undone queries (stable argsort puts them first, in order).
    auto not_done = mx::logical_not(done, s);
    int left = mx::sum(mx::astype(not_done, mx::int32, s), s).item<int>();
    if (left > 0) {
      auto order = mx::argsort(mx::astype(done, mx::int32, s), s);
      remaining = mx::take(remaining, mx::slice(order, {0}, {left}, s), s);
    }
    mx::eval(indices, dists, remaining);
    num_remaining = left;
    radius = std::min(radius * 2, final_radius);
  }
  return finish();
}

}  // namespace robomlx::sparse
