// SPDX-License-Identifier: Apache-2.0
// CPU twin of splat.bin (tile_binning_twins.h): a custom Primitive that bins by counting instead of
// sorting the R pairs. The visible Gaussians are put in (depth bits as int32, index) order by a
// stable LSD radix sort of their 32-bit keys (3 passes of 11 bits over N items, not a comparison
// sort over R int64 keys), the tiles' list lengths are counted and prefix-summed, then each
// Gaussian, in that order, is appended to every tile of its rect: every tile's list comes out in
// depth order, ties by index, exactly the portable path's order.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/primitives.h>

#include "robomlx/splat/tile_binning_twins.h"

namespace robomlx::splat::detail {

namespace {

// Whether rect r = (x0, y0, x1, y1) covers any tile: the portable path's touched > 0.
bool covers_tiles(const int* r) { return (r[2] - r[0]) * (r[3] - r[1]) > 0; }

// (key, Gaussian) pairs sorted by key, stable: LSD radix, 11 bits a pass. The key maps the depth's
// bits read as int32 to an order-preserving uint32 (sign bit flipped).
std::vector<std::uint32_t> depth_order(const float* depth, const int* rect, int n) {
  std::vector<std::uint32_t> keys, ids;
  for (int i = 0; i < n; ++i) {
    if (!covers_tiles(rect + 4 * i)) continue;
    std::int32_t bits;
    std::memcpy(&bits, depth + i, sizeof bits);
    keys.push_back(static_cast<std::uint32_t>(bits) ^ 0x80000000u);
    ids.push_back(static_cast<std::uint32_t>(i));
  }
  std::vector<std::uint32_t> keys2(keys.size()), ids2(ids.size());
  constexpr int kBits = 11, kBuckets = 1 << kBits;
  for (int shift = 0; shift < 32; shift += kBits) {
    std::array<std::size_t, kBuckets + 1> at{};
    for (const auto k : keys) ++at[((k >> shift) & (kBuckets - 1)) + 1];
    for (int b = 0; b < kBuckets; ++b) at[b + 1] += at[b];
    for (std::size_t j = 0; j < keys.size(); ++j) {
      const std::size_t to = at[(keys[j] >> shift) & (kBuckets - 1)]++;
      keys2[to] = keys[j];
      ids2[to] = ids[j];
    }
    keys.swap(keys2);
    ids.swap(ids2);
  }
  return ids;
}

void bin(const float* depth, const int* rect, int n, int tiles_x, int num_tiles, int* list, int* ranges) {
  std::vector<int> next(static_cast<std::size_t>(num_tiles) + 1, 0);
  for (int i = 0; i < n; ++i) {
    const int* r = rect + 4 * i;
    if (!covers_tiles(r)) continue;
    for (int ty = r[1]; ty < r[3]; ++ty)
      for (int tx = r[0]; tx < r[2]; ++tx) ++next[static_cast<std::size_t>(ty) * tiles_x + tx + 1];
  }
  for (int t = 0; t < num_tiles; ++t) {
    next[t + 1] += next[t];
    ranges[2 * t] = next[t];
  }
  for (int t = 0; t < num_tiles; ++t) ranges[2 * t + 1] = next[t + 1];
  for (const std::uint32_t g : depth_order(depth, rect, n)) {
    const int* r = rect + 4 * g;
    for (int ty = r[1]; ty < r[3]; ++ty)
      for (int tx = r[0]; tx < r[2]; ++tx) list[next[static_cast<std::size_t>(ty) * tiles_x + tx]++] = static_cast<int>(g);
  }
}

// Inputs depths [N], tile_rects [N, 4]; outputs point_list [R], tile_ranges [T, 2].
class BinTilesCpu : public mx::Primitive {
 public:
  BinTilesCpu(mx::Stream s, BinShape shape) : mx::Primitive(s), shape_(shape) {}
  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    for (auto& o : out) {
      o.set_data(mx::allocator::malloc(o.nbytes()));
      enc.set_output_array(o);
    }
    enc.dispatch([depth = in[0].data<float>(), rect = in[1].data<int>(), n = in[0].shape(0), shape = shape_,
                  list = out[0].data<int>(), ranges = out[1].data<int>()] {
      bin(depth, rect, n, shape.tiles_x, shape.num_tiles, list, ranges);
    });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[splat.bin/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return "SplatBinTilesCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const BinTilesCpu&>(other);
    return o.shape_.tiles_x == shape_.tiles_x && o.shape_.num_tiles == shape_.num_tiles && o.shape_.pairs == shape_.pairs;
  }

 private:
  BinShape shape_;
};

}  // namespace

TileBins bin_tiles_cpu(const mx::array& depths, const mx::array& tile_rects, const BinShape& shape, mx::Stream s) {
  auto outs = mx::array::make_arrays({{shape.pairs}, {shape.num_tiles, 2}}, {mx::int32, mx::int32},
                                     std::make_shared<BinTilesCpu>(s, shape),
                                     {mx::contiguous(depths, false, s), mx::contiguous(tile_rects, false, s)});
  return {outs[0], outs[1], shape.pairs};
}

}  // namespace robomlx::splat::detail
