// SPDX-License-Identifier: Apache-2.0
// The portable blend: tiles sorted by list length are blended in groups as dense
// [tiles, 256 pixels, list] tensors. The sequential rules become scans: an exclusive cumprod of
// (1 - alpha) is each Gaussian's T, and since T only falls, "stop at T (1 - alpha) < 1e-4" is the
// mask "inclusive cumprod >= 1e-4". Autodiff of these ops is the backward.
#include <algorithm>
#include <numeric>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/splat/blend_tiles_twins.h"

namespace robomlx::splat::detail {

namespace {
constexpr int kPixels = kTileSize * kTileSize;
constexpr std::int64_t kGroupElements = std::int64_t{1} << 22;  // [tiles, 256, list] per group
constexpr float kMaxAlpha = 0.99f, kMinAlpha = 1.0f / 255.0f, kMinTransmittance = 1e-4f;

struct GroupResult {
  mx::array color, inv_depth, transmittance;  // [G, 256, 3], [G, 256, 1], [G, 256, 1]
};

// The blend of one group: mu [G, L, 2], con [G, L, 3], opacity [G, L], colors [G, L, 3],
// inv_depth [G, L]; mask [G, 1, L] (real entries), pixel coordinates px, py [G, 256, 1].
std::vector<mx::array> blend_group_math(const mx::array& mu, const mx::array& con, const mx::array& op,
                                        const mx::array& colors, const mx::array& inv_depth, const mx::array& mask,
                                        const mx::array& px, const mx::array& py, mx::Stream s) {
  auto part = [&](const mx::array& a, int i) {  // [G, L, k] -> [G, 1, L]
    return mx::expand_dims(mx::take(a, mx::array(i), 2, s), 1, s);
  };
  const auto dx = mx::subtract(part(mu, 0), px, s);
  const auto dy = mx::subtract(part(mu, 1), py, s);
  auto power = mx::subtract(
      mx::multiply(mx::array(-0.5f), mx::add(mx::multiply(part(con, 0), mx::square(dx, s), s),
                                             mx::multiply(part(con, 2), mx::square(dy, s), s), s), s),
      mx::multiply(part(con, 1), mx::multiply(dx, dy, s), s), s);
  const auto behind = mx::greater(power, mx::array(0.0f), s);  // graphdeco skips power > 0
  const auto opacity = mx::expand_dims(op, 1, s);
  const auto raw = mx::multiply(opacity, mx::exp(mx::minimum(power, mx::array(0.0f), s), s), s);
  // The clamp's value with the identity's gradient (graphdeco's backward ignores the clamp).
  const auto pass = mx::subtract(raw, mx::stop_gradient(raw, s), s);
  const auto alpha = mx::where(mx::greater(raw, mx::array(kMaxAlpha), s), mx::add(mx::array(kMaxAlpha), pass, s), raw, s);
  const auto alpha_value = mx::stop_gradient(alpha, s);
  const auto valid = mx::logical_and(mx::logical_and(mask, mx::logical_not(behind, s), s),
                                     mx::greater_equal(alpha_value, mx::array(kMinAlpha), s), s);
  const auto one = mx::array(1.0f);
  const auto factor = mx::where(valid, mx::subtract(one, alpha, s), one, s);
  const auto after = mx::cumprod(mx::stop_gradient(factor, s), 2, false, true, s);
  const auto contrib = mx::logical_and(valid, mx::greater_equal(after, mx::array(kMinTransmittance), s), s);
  const auto before = mx::cumprod(factor, 2, false, false, s);  // T of each Gaussian
  const auto weight = mx::where(contrib, mx::multiply(alpha, before, s), mx::array(0.0f), s);  // [G, 256, L]
  return {mx::matmul(weight, colors, s), mx::matmul(weight, mx::expand_dims(inv_depth, 2, s), s),
          mx::prod(mx::where(contrib, factor, one, s), 2, true, s)};
}

// Per pixel of `tiles`, the graphdeco blend over each tile's list (padded to `length`).
GroupResult blend_group(const mx::array& point_list, const mx::array& packed, const std::vector<int>& tiles,
                        const std::vector<int>& ranges, int length, int tiles_x, mx::Stream s) {
  const int g = static_cast<int>(tiles.size());
  std::vector<int> slots(static_cast<size_t>(g) * length, 0);
  std::vector<uint8_t> used(slots.size(), 0);
  std::vector<float> px(static_cast<size_t>(g) * kPixels), py(px.size());
  for (int i = 0; i < g; ++i) {
    const int t = tiles[i], start = ranges[2 * t], n = ranges[2 * t + 1] - start;
    for (int j = 0; j < n; ++j) {
      slots[static_cast<size_t>(i) * length + j] = start + j;
      used[static_cast<size_t>(i) * length + j] = 1;
    }
    for (int p = 0; p < kPixels; ++p) {
      px[static_cast<size_t>(i) * kPixels + p] = static_cast<float>((t % tiles_x) * kTileSize + p % kTileSize);
      py[static_cast<size_t>(i) * kPixels + p] = static_cast<float>((t / tiles_x) * kTileSize + p / kTileSize);
    }
  }
  const auto ids = mx::take(point_list, mx::array(slots.data(), {g, length}, mx::int32), 0, s);
  const auto mask = mx::expand_dims(mx::astype(mx::array(used.data(), {g, length}, mx::uint8), mx::bool_, s), 1, s);
  const mx::array pxs(px.data(), {g, kPixels, 1}), pys(py.data(), {g, kPixels, 1});
  // Checkpointed: the backward recomputes a group's [G, 256, L] intermediates instead of keeping
  // those of every group alive until it runs. The operands travel packed ([G, L, 10]) so that a
  // group's backward yields one cotangent and finishes before the next group's starts.
  auto body = [mask, pxs, pys, s](const std::vector<mx::array>& x) {
    const auto& p = x[0];
    auto cols = [&](int a, int b) { return mx::slice(p, {0, 0, a}, {p.shape(0), p.shape(1), b}, s); };
    auto col = [&](int a) { return mx::squeeze(cols(a, a + 1), 2, s); };
    return blend_group_math(cols(0, 2), cols(2, 5), col(5), cols(6, 9), col(9), mask, pxs, pys, s);
  };
  auto out = mx::checkpoint(body)({mx::take(packed, ids, 0, s)});
  return {out[0], out[1], out[2]};
}

}  // namespace

BlendOutput blend_tiles_portable(const BlendOperands& in, const BlendSettings& settings, mx::Stream s) {
  const int tiles_x = settings.tiles_x(), tiles_y = settings.tiles_y(), num_tiles = tiles_x * tiles_y;
  auto ranges_array = mx::astype(in.tile_ranges, mx::int32, s);
  mx::eval(ranges_array);
  const int* rp = ranges_array.data<int>();
  const std::vector<int> ranges(rp, rp + 2 * num_tiles);
  std::vector<int> order(num_tiles);
  std::iota(order.begin(), order.end(), 0);
  auto len = [&](int t) { return ranges[2 * t + 1] - ranges[2 * t]; };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return len(a) > len(b); });

  // [N, 10]: means2d, conics, opacity, colors, inv_depth.
  const auto packed = mx::concatenate({in.means2d, in.conics, mx::expand_dims(in.opacities, 1, s), in.colors,
                                       mx::expand_dims(in.inv_depths, 1, s)},
                                      1, s);
  std::vector<mx::array> colors, depths, trans;
  size_t i = 0;
  while (i < order.size() && len(order[i]) > 0) {
    const int length = len(order[i]);
    const auto fit = std::max<std::int64_t>(1, kGroupElements / (std::int64_t{kPixels} * length));
    std::vector<int> group;
    while (i < order.size() && len(order[i]) > 0 && static_cast<std::int64_t>(group.size()) < fit) group.push_back(order[i++]);
    auto r = blend_group(in.point_list, packed, group, ranges, length, tiles_x, s);
    colors.push_back(r.color);
    depths.push_back(r.inv_depth);
    trans.push_back(r.transmittance);
  }
  if (i < order.size()) {  // tiles no Gaussian touches
    const int empty = static_cast<int>(order.size() - i);
    colors.push_back(mx::zeros({empty, kPixels, 3}, mx::float32, s));
    depths.push_back(mx::zeros({empty, kPixels, 1}, mx::float32, s));
    trans.push_back(mx::ones({empty, kPixels, 1}, mx::float32, s));
  }
  std::vector<int> inverse(num_tiles);
  for (int k = 0; k < num_tiles; ++k) inverse[order[k]] = k;
  const mx::array back(inverse.data(), {num_tiles}, mx::int32);
  // [T, 256, C] in tile order -> [C, H, W].
  auto image = [&](const std::vector<mx::array>& parts) {
    auto a = mx::take(mx::concatenate(parts, 0, s), back, 0, s);
    const int c = a.shape(2);
    a = mx::reshape(a, {tiles_y, tiles_x, kTileSize, kTileSize, c}, s);
    a = mx::reshape(mx::transpose(a, {4, 0, 2, 1, 3}, s), {c, tiles_y * kTileSize, tiles_x * kTileSize}, s);
    return mx::slice(a, {0, 0, 0}, {c, settings.height, settings.width}, s);
  };
  const auto t_final = image(trans);
  const auto& bg = settings.background;
  const mx::array background({bg[0], bg[1], bg[2]}, {3, 1, 1});
  return {mx::add(image(colors), mx::multiply(t_final, background, s), s), image(depths),
          mx::subtract(mx::array(1.0f), t_final, s)};
}

}  // namespace robomlx::splat::detail
