// SPDX-License-Identifier: Apache-2.0
// Pairs are made without a search: each visible Gaussian's first pair slot gets its index
// (scatter_max), a running max fills the slots after it, and the slot's offset within the
// Gaussian's run gives its tile inside the rect. The sort key is tile * N + depth rank, int64,
// so the order does not depend on whether the backend's sort is stable. CPU streams run the
// counting-sort twin (tile_binning_twins.h).
#include "robomlx/splat/tile_binning.h"

#include <stdexcept>
#include <string>
#include <utility>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/splat/tile_binning_twins.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.bin";

mx::array column(const mx::array& a, int i, mx::Stream s) {
  return mx::reshape(mx::slice(a, {0, i}, {a.shape(0), i + 1}, s), {a.shape(0)}, s);
}

// Each rect's width in tiles and its tile count.
std::pair<mx::array, mx::array> rect_sizes(const mx::array& rects, mx::Stream s) {
  const auto w = mx::subtract(column(rects, 2, s), column(rects, 0, s), s);
  return {w, mx::multiply(w, mx::subtract(column(rects, 3, s), column(rects, 1, s), s), s)};
}

// Rank of each Gaussian in (depth, index) order. Depths are > 0 where it matters, so their
// float bits order like the floats.
mx::array depth_ranks(const mx::array& depths, mx::Stream s) {
  const int n = depths.shape(0);
  auto bits = mx::astype(mx::view(depths, mx::int32, s), mx::int64, s);
  auto key = mx::add(mx::multiply(bits, mx::array(static_cast<std::int64_t>(n)), s), mx::arange(n, mx::int64, s), s);
  auto order = mx::astype(mx::argsort(key, s), mx::int32, s);
  return mx::scatter(mx::zeros({n}, mx::int32, s), order, mx::reshape(mx::arange(n, mx::int32, s), {n, 1}, s), 0, s);
}
}  // namespace

TileBins bin_tiles(const mx::array& depths_in, const mx::array& tile_rects, const BlendSettings& settings,
                   std::int64_t max_pairs, mx::StreamOrDevice so) {
  settings.validate();
  check_shape(kTag, "depths", depths_in, {-1});
  const int n = depths_in.shape(0);
  check_shape(kTag, "tile_rects", tile_rects, {n, 4});
  check_dtype(kTag, "depths", depths_in, {mx::float32});
  check_dtype(kTag, "tile_rects", tile_rects, {mx::int32});
  const mx::Stream s = op_stream(so);
  const Impl impl = choose_impl(kTag, s, ImplSet{.cpu = true});
  const int tiles_x = settings.tiles_x(), num_tiles = tiles_x * settings.tiles_y();
  const auto depths = mx::stop_gradient(depths_in, s);
  const auto rects = mx::stop_gradient(tile_rects, s);
  const auto touched = rect_sizes(rects, s).second;
  auto total = mx::sum(mx::astype(touched, mx::int64, s), false, s);
  // Read back with the total: a rect outside the grid or upside down would make the pair count
  // (and the twin's writes) wrong.
  const auto lo = mx::array({0, 0, 0, 0}), hi = mx::array({tiles_x, settings.tiles_y(), tiles_x, settings.tiles_y()});
  const auto outside = mx::any(mx::logical_or(mx::less(rects, lo, s), mx::greater(rects, hi, s), s), false, s);
  const auto flipped =
      mx::any(mx::less(mx::slice(rects, {0, 2}, {n, 4}, s), mx::slice(rects, {0, 0}, {n, 2}, s), s), false, s);
  auto bad = mx::logical_or(outside, flipped, s);
  mx::eval(total, bad);
  if (bad.item<bool>())
    throw std::invalid_argument("[splat.bin] tile_rects must be (x0, y0, x1, y1) with 0 <= x0 <= x1 <= " +
                                std::to_string(tiles_x) + " and 0 <= y0 <= y1 <= " + std::to_string(settings.tiles_y()) +
                                " (the " + std::to_string(tiles_x) + "x" + std::to_string(settings.tiles_y()) +
                                " tile grid), got a rect outside it");
  const std::int64_t pairs = total.item<std::int64_t>();
  if (pairs > max_pairs)
    throw std::runtime_error("[splat.bin] the Gaussians cover " + std::to_string(pairs) +
                             " tile/Gaussian pairs, over the cap of " + std::to_string(max_pairs) +
                             " (Gaussians at the near plane or huge radii: check the camera and scales)");
  if (pairs == 0) return {mx::zeros({0}, mx::int32, s), mx::zeros({num_tiles, 2}, mx::int32, s), 0};
  const detail::BinShape shape{tiles_x, num_tiles, static_cast<int>(pairs)};
  if (impl == Impl::cpu) return detail::bin_tiles_cpu(depths, rects, shape, s);
  return detail::bin_tiles_portable(depths, rects, shape, s);
}

namespace detail {

TileBins bin_tiles_portable(const mx::array& depths, const mx::array& rects, const BinShape& shape, mx::Stream s) {
  const int n = depths.shape(0), R = shape.pairs;
  const auto x0 = column(rects, 0, s), y0 = column(rects, 1, s);
  const auto [w, touched] = rect_sizes(rects, s);
  const auto ends = mx::cumsum(touched, 0, false, true, s);
  const auto starts = mx::subtract(ends, touched, s);
  const auto ids = mx::arange(n, mx::int32, s);
  const auto slot = mx::where(mx::greater(touched, mx::array(0), s), starts, mx::array(R), s);
  auto first = mx::scatter_max(mx::full({R + 1}, mx::array(-1), s), slot, mx::reshape(ids, {n, 1}, s), 0, s);
  const auto owner = mx::cummax(mx::slice(first, {0}, {R}, s), 0, false, true, s);
  const auto local = mx::subtract(mx::arange(R, mx::int32, s), mx::take(starts, owner, 0, s), s);
  const auto ow = mx::take(w, owner, 0, s);
  const auto tx = mx::add(mx::take(x0, owner, 0, s), mx::remainder(local, ow, s), s);
  const auto ty = mx::add(mx::take(y0, owner, 0, s), mx::floor_divide(local, ow, s), s);
  const auto tile = mx::add(mx::multiply(ty, mx::array(shape.tiles_x), s), tx, s);
  const auto rank = mx::take(depth_ranks(depths, s), owner, 0, s);
  const auto key = mx::add(mx::multiply(mx::astype(tile, mx::int64, s), mx::array(static_cast<std::int64_t>(n)), s),
                           mx::astype(rank, mx::int64, s), s);
  auto point_list = mx::take(owner, mx::argsort(key, s), 0, s);
  const auto counts = mx::scatter_add(mx::zeros({shape.num_tiles}, mx::int32, s), tile,
                                      mx::ones({R, 1}, mx::int32, s), 0, s);
  const auto tile_ends = mx::cumsum(counts, 0, false, true, s);
  return {point_list, mx::stack({mx::subtract(tile_ends, counts, s), tile_ends}, 1, s), R};
}

}  // namespace detail

}  // namespace robomlx::splat
