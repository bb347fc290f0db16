// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/neighbors.h"

#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/sparse/neighbors_twins.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.neighbors";

void check_cloud(const char* name, const mx::array& a) {
  check_ndim(kTag, name, a, 2);
  check_shape(kTag, name, a, {-1, 3});
  check_dtype(kTag, name, a, {mx::float32});
}

void check_batches(const mx::array& points, const mx::array& queries, const std::optional<mx::array>& pb,
                   const std::optional<mx::array>& qb, mx::Stream s) {
  if (pb.has_value() != qb.has_value()) fail_argument(kTag, "point_batch and query_batch must be given together");
  if (!pb) return;
  check_ndim(kTag, "point_batch", *pb, 1);
  check_ndim(kTag, "query_batch", *qb, 1);
  check_integer(kTag, "point_batch", *pb);
  check_integer(kTag, "query_batch", *qb);
  if (pb->shape(0) != points.shape(0) || qb->shape(0) != queries.shape(0)) {
    fail_argument(kTag, "batch ids must have one entry per point/query, got " + shape_string(pb->shape()) + " and " +
                            shape_string(qb->shape()) + " for " + std::to_string(points.shape(0)) + " points and " +
                            std::to_string(queries.shape(0)) + " queries");
  }
  if (pb->size() + qb->size() > 0) {
    int lo = mx::min(mx::astype(mx::concatenate({*pb, *qb}, s), mx::int32, s), s).item<int>();
    if (lo < 0) fail_argument(kTag, "batch ids must be >= 0, got " + std::to_string(lo));
  }
}

}  // namespace

// Portable candidate scan: searchsorted the 8 cells of every query, expand the slot ranges,
// test distances and compact the survivors (guide 3.9: count on device, read back, scatter).
std::vector<mx::array> detail::scan_cells_portable(const SearchGrid& grid, const mx::array& points,
                                                   const mx::array& queries, mx::Stream s) {
  int q = queries.shape(0);
  auto flat_keys = mx::flatten(grid.cell_keys, s);
  auto starts = mx::astype(mx::searchsorted(grid.sorted_keys, flat_keys, "left", s), mx::int32, s);
  auto ends = mx::astype(mx::searchsorted(grid.sorted_keys, flat_keys, "right", s), mx::int32, s);
  auto cand_offsets = lengths_to_offsets(mx::subtract(ends, starts, s), s);
  int total = mx::slice(cand_offsets, {q * 8}, {q * 8 + 1}, s).item<int>();
  auto empty_i = mx::zeros({0}, mx::int32, s);
  if (total == 0) return {empty_i, empty_i, mx::zeros({0}, mx::float32, s), mx::zeros({q}, mx::int32, s)};

  auto seg = segment_ids(cand_offsets, total, s);
  auto rank = mx::subtract(mx::arange(total, mx::int32, s), mx::take(cand_offsets, seg, s), s);
  auto slot = mx::add(mx::take(starts, seg, s), rank, s);
  auto j = mx::take(grid.order, slot, s);
  auto i = mx::floor_divide(seg, mx::array(8), s);
  auto diff = mx::subtract(mx::take(points, j, 0, s), mx::take(queries, i, 0, s), s);
  auto dx = mx::take(diff, 0, 1, s), dy = mx::take(diff, 1, 1, s), dz = mx::take(diff, 2, 1, s);
  auto d2 = mx::add(mx::add(mx::multiply(dx, dx, s), mx::multiply(dy, dy, s), s), mx::multiply(dz, dz, s), s);
  auto keep = mx::less_equal(d2, mx::array(grid.radius_sq), s);
  auto keep_i = mx::astype(keep, mx::int32, s);
  auto counts = mx::scatter_add(mx::zeros({q}, mx::int32, s), i, mx::expand_dims(keep_i, 1, s), 0, s);
  auto running = mx::cumsum(keep_i, 0, false, true, std::nullopt, s);
  mx::eval(counts, running);
  int kept = mx::slice(running, {total - 1}, {total}, s).item<int>();
  auto dest = mx::where(keep, mx::subtract(running, mx::array(1), s), mx::array(kept), s);
  auto compact = [&](const mx::array& v) {
    auto out = mx::scatter(mx::zeros({kept + 1}, v.dtype(), s), dest, mx::expand_dims(v, 1, s), 0, s);
    return mx::slice(out, {0}, {kept}, s);
  };
  return {compact(i), compact(j), compact(d2), counts};
}

void detail::validate_search_inputs(const mx::array& points, const mx::array& queries,
                                    const std::optional<mx::array>& point_batch,
                                    const std::optional<mx::array>& query_batch, mx::Stream s) {
  check_cloud("points", points);
  check_cloud("queries", queries);
  check_batches(points, queries, point_batch, query_batch, s);
}

void RadiusSearchOptions::validate() const {
  if (!(radius > 0) || !std::isfinite(radius)) {
    fail_argument(kTag, "radius must be a finite value > 0, got " + std::to_string(radius));
  }
  if (max_neighbors < 0) fail_argument(kTag, "max_neighbors must be >= 0, got " + std::to_string(max_neighbors));
}

NeighborList radius_search(const mx::array& points, const mx::array& queries, const RadiusSearchOptions& options,
                           const std::optional<mx::array>& point_batch, const std::optional<mx::array>& query_batch,
                           mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  options.validate();
  detail::validate_search_inputs(points, queries, point_batch, query_batch, stream);
  int q = queries.shape(0);
  if (points.shape(0) == 0 || q == 0) {
    auto none = mx::zeros({0}, mx::int32, stream);
    return NeighborList{none, mx::zeros({0}, mx::float32, stream), mx::zeros({q + 1}, mx::int32, stream)};
  }
  auto grid = detail::build_search_grid(points, queries, options.radius, point_batch, query_batch, stream);
  const char* tag = "sparse.radius_search";
  Impl impl = choose_impl(tag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(tag)});
  if (impl == Impl::cpu) {
    auto scan = detail::scan_cells_cpu(grid, points, queries, options.sort, options.max_neighbors, stream);
    return NeighborList{scan[1], mx::sqrt(scan[2], stream), lengths_to_offsets(scan[3], stream)};
  }
  std::optional<std::vector<mx::array>> gpu;
  if (impl == Impl::cuda) gpu = detail::scan_cells_gpu(grid, points, queries, stream);
  if (impl == Impl::metal) gpu = try_metal_twin(tag, [&] { return detail::scan_cells_gpu(grid, points, queries, stream); });
  auto scan = gpu ? *gpu : detail::scan_cells_portable(grid, points, queries, stream);
  return detail::finish_neighbors(scan[0], scan[1], scan[2], scan[3], q, options, stream);
}

mx::array batch_ids_from_offsets(const mx::array& offsets, mx::StreamOrDevice s) {
  return segment_ids(offsets, s);
}

}  // namespace robomlx::sparse
