// SPDX-License-Identifier: Apache-2.0
// Portable census transform and matching cost volume (see sgm_internal.h for the definitions).
#include <algorithm>
#include <cstdint>

#include <mlx/compile.h>
#include <mlx/ops.h>

#include "robomlx/core/fused_internal.h"
#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
mx::array u64(std::uint64_t v) { return mx::array(v, mx::uint64); }

mx::array or_tree(std::vector<mx::array> terms, mx::Stream s) {
  while (terms.size() > 1) {
    std::vector<mx::array> next;
    for (std::size_t i = 0; i + 1 < terms.size(); i += 2) next.push_back(mx::bitwise_or(terms[i], terms[i + 1], s));
    if (terms.size() % 2) next.push_back(terms.back());
    terms = std::move(next);
  }
  return terms[0];
}

// a(y, x - min_d - k) for k in [k0, k0 + nk), as a strided view [H, W, nk] of `a` padded on the
// left by `pad` >= min_d + D - 1 columns (the padding is never used: those costs are outside).
mx::array disparity_view(const mx::array& padded, int w, int pad, int min_d, int k0, int nk, mx::Stream s) {
  const int h = padded.shape(0), wp = padded.shape(1);
  return mx::as_strided(padded, {h, w, nk}, {wp, 1, -1}, std::size_t(pad - min_d - k0), s);
}

// The census bits of x[0] against its neighbours x[1..] as one compiled expression (MLX splits
// it into a few kernels of at most 24 inputs); the bits are OR-ed as a balanced tree to stay
// within its fusion depth.
std::vector<mx::array> census_bits(const std::vector<mx::array>& x, mx::StreamOrDevice sd) {
  const mx::Stream s = mx::to_stream(sd);
  std::vector<mx::array> terms;
  for (std::size_t b = 1; b < x.size(); ++b)
    terms.push_back(mx::left_shift(mx::astype(mx::less(x[b], x[0], s), mx::uint64, s), u64(b - 1), s));
  return {or_tree(terms, s)};
}

// One chunk of the cost volume. in: census left [H, W, 1], census right view [H, W, nk],
// x [1, W, 1], d [1, 1, nk], the cost outside the image (0-d int16), then for ad_census:
// image left [H, W, 1], image right view [H, W, nk].
std::vector<mx::array> cost_chunk(const std::vector<mx::array>& in, mx::StreamOrDevice sd) {
  const mx::Stream s = mx::to_stream(sd);
  auto c = mx::astype(popcount64(mx::bitwise_xor(in[0], in[1], s), s), mx::int16, s);
  if (in.size() > 5) {
    auto diff = mx::minimum(mx::abs(mx::subtract(in[5], in[6], s), s), mx::array(float(kAdTrunc)), s);
    c = mx::add(c, mx::right_shift(mx::astype(diff, mx::int16, s), mx::array(kAdShift, mx::int16), s), s);
  }
  // x - d in [0, W): d >= 0 by the option limits, so only x - d >= 0 is checked.
  auto valid = mx::greater_equal(in[2], in[3], s);
  return {mx::where(valid, c, in[4], s)};
}

}  // namespace

int cost_max(const CoreParams& p) {
  const int bits = p.census_w * p.census_h - 1;
  return bits + (p.cost == CostKind::ad_census ? (kAdTrunc >> kAdShift) : 0);
}

mx::array census_transform(const mx::array& image, int width, int height, mx::Stream s) {
  const int h = image.shape(0), w = image.shape(1);
  const int rx = width / 2, ry = height / 2;
  auto padded = mx::pad(image, std::vector<std::pair<int, int>>{{ry, ry}, {rx, rx}}, mx::array(0.f), "edge", s);
  std::vector<mx::array> in{image};  // then the neighbours in bit order (views of `padded`)
  for (int dy = -ry; dy <= ry; ++dy)
    for (int dx = -rx; dx <= rx; ++dx)
      if (dy != 0 || dx != 0) in.push_back(mx::slice(padded, {ry + dy, rx + dx}, {ry + dy + h, rx + dx + w}, s));
  return robomlx::detail::run_fused<census_bits>(in, s)[0];
}

mx::array popcount64(const mx::array& bits, mx::Stream s) {
  // SWAR popcount: MLX has no popcount op.
  auto x = mx::subtract(bits, mx::bitwise_and(mx::right_shift(bits, u64(1), s), u64(0x5555555555555555ull), s), s);
  x = mx::add(mx::bitwise_and(x, u64(0x3333333333333333ull), s),
              mx::bitwise_and(mx::right_shift(x, u64(2), s), u64(0x3333333333333333ull), s), s);
  x = mx::bitwise_and(mx::add(x, mx::right_shift(x, u64(4), s), s), u64(0x0f0f0f0f0f0f0f0full), s);
  x = mx::right_shift(mx::multiply(x, u64(0x0101010101010101ull), s), u64(56), s);
  return mx::astype(x, mx::uint8, s);
}

// Loop-free: each chunk of disparities is one compiled expression over strided views of the
// left-padded right census (and image), so the volume costs a few kernels whatever D is. The
// compiled functions are made once per thread (run_fused), not per call: a compile() of a new
// lambda traces and fuses the graph again on every frame.
mx::array cost_volume(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s,
                      std::int64_t chunk_elems) {
  const int h = left.shape(0), w = left.shape(1), nd = p.num_d, pad = p.min_d + nd - 1;
  const bool ad = p.cost == CostKind::ad_census;
  auto cl = mx::expand_dims(census_transform(left, p.census_w, p.census_h, s), 2, s);
  auto crp = mx::pad(census_transform(right, p.census_w, p.census_h, s), std::vector<std::pair<int, int>>{{0, 0}, {pad, 0}},
                     mx::array(0, mx::uint64), "constant", s);
  auto lf = mx::expand_dims(left, 2, s);
  auto rp = mx::pad(right, std::vector<std::pair<int, int>>{{0, 0}, {pad, 0}}, mx::array(0.f), "constant", s);
  auto xs = mx::reshape(mx::arange(w, mx::int32, s), {1, w, 1}, s);
  const auto outside = mx::array(cost_max(p), mx::int16);
  const int min_d = p.min_d;
  const int per = int(std::clamp<std::int64_t>(chunk_elems / (std::int64_t(h) * w), 1, nd));
  std::vector<mx::array> parts;
  for (int k0 = 0; k0 < nd; k0 += per) {
    const int nk = std::min(per, nd - k0);
    auto ds = mx::reshape(mx::arange(min_d + k0, min_d + k0 + nk, mx::int32, s), {1, 1, nk}, s);
    std::vector<mx::array> in{cl, disparity_view(crp, w, pad, min_d, k0, nk, s), xs, ds, outside};
    if (ad) {
      in.push_back(lf);
      in.push_back(disparity_view(rp, w, pad, min_d, k0, nk, s));
    }
    parts.push_back(robomlx::detail::run_fused<cost_chunk>(in, s)[0]);
  }
  return parts.size() == 1 ? parts[0] : mx::concatenate(parts, 2, s);
}

}  // namespace robomlx::stereo::detail
