// SPDX-License-Identifier: Apache-2.0
// Private (not installed): what every SGM implementation shares. The integer cost definitions,
// the core parameters, the parts of the portable path (sgm_census.cpp, sgm_aggregate.cpp,
// sgm_select.cpp, sgm_filters.cpp) and the host-op Primitive the CPU twins and the speckle filter
// run in (sgm_host_op.cpp). The implementations themselves are declared in sgm_twins.h.
//
// Every implementation computes the same integer costs and sums, so twins match the portable
// path exactly on the integer disparity and to float rounding on the sub-pixel part:
//   census bit (dy, dx) = I(y+dy, x+dx) < I(y, x), edge-clamped, row-major over the window
//   without its centre; cost C(y, x, k) = popcount(cL(y, x) ^ cR(y, x - d)), d = min_d + k,
//   and C = cost_max (kOutsideCost) when x - d lies outside [0, W);
//   ad_census adds floor(min(|IL - IR|, 30) / 2);
//   L_r(p, k) = C(p, k) + min(L_r(p-r, k), L_r(p-r, k +- 1) + P1, min_j L_r(p-r, j) + P2)
//               - min_j L_r(p-r, j), with L_r = C at the first pixel of each path;
//   S = sum_r L_r; k* = first argmin; uniqueness, sub-pixel and LR as in sgm_select.cpp.
// The parts run every MLX op on the stream they are given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::stereo::detail {

namespace mx = mlx::core;

enum class CostKind { census = 0, ad_census = 1 };

struct CoreParams {
  int min_d = 0, num_d = 64;
  CostKind cost = CostKind::census;
  int census_w = 9, census_h = 7;
  int p1 = 10, p2 = 120;  // rounded from the float options
  int paths = 8;
  bool subpixel = true;
  int lr_max_diff = 1;
  float uniqueness = 10;
  int median = 3;
};

constexpr int kAdTrunc = 30;  // |IL - IR| truncation of the ad_census AD term (grey levels)
constexpr int kAdShift = 1;   // ... divided by 2, so the AD term is in [0, 15]
/// Refinement (sgm.cpp): census cost summed over a (2 kRefineBox + 1)^2 box.
constexpr int kRefineBox = 3;  // 7x7: best of 2, 3 on Middlebury with radius 1-2

/// Largest matching cost of a kind: census bits (+ AD term).
int cost_max(const CoreParams& p);

/// Census transform: [H, W] float32 -> [H, W] uint64 (bit b = b-th window neighbour darker).
mx::array census_transform(const mx::array& image, int width, int height, mx::Stream s);
/// popcount of a uint64 array, as uint8.
mx::array popcount64(const mx::array& bits, mx::Stream s);
/// Matching cost volume [H, W, D] int16 (portable path), computed in chunks of disparities of
/// at most `chunk_elems` / (H W) each (bounds the uint64 temporaries; tests pass a small one).
mx::array cost_volume(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s,
                      std::int64_t chunk_elems = std::int64_t(1) << 25);
/// Path-aggregated cost S [H, W, D] int16 (portable path; < 32767 by the option limits): the
/// sum of L_r over the p.paths directions, all paths advanced together (sgm_aggregate.cpp).
/// `cost`: any integer dtype, values in [0, 255].
mx::array aggregate_paths(const mx::array& cost, const CoreParams& p, mx::Stream s);
/// WTA, uniqueness, sub-pixel, LR check and confidence from S: {disparity, confidence} [H, W].
std::vector<mx::array> select_disparity(const mx::array& sum, const CoreParams& p, mx::Stream s);
/// Median of the k x k window (edge-clamped), invalid values (-1) included as numbers.
mx::array median_filter(const mx::array& disparity, int size, mx::Stream s);
/// OpenCV-style speckle removal: 4-connected blobs (neighbours within `range`) of at most
/// `window` pixels become invalid (-1). A sequential flood fill on the host: it runs on `s` when
/// that is a CPU stream, else on the CPU's default stream (every implementation uses it).
mx::array speckle_filter(const mx::array& disparity, int window, float range, mx::Stream s);

/// in: row-major [h, w] images; out: n_out preallocated [h, w] images.
using HostImageFn = std::function<void(const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w)>;

/// Lazily applies `fn` to `inputs` ([H, W], converted to contiguous float32) on the CPU stream
/// `s`; returns n_out [H, W] float32 arrays. The function may start its own threads.
std::vector<mx::array> host_image_op(const std::string& name, const std::vector<mx::array>& inputs, int n_out,
                                     HostImageFn fn, mx::Stream s);

}  // namespace robomlx::stereo::detail
