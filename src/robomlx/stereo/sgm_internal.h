// SPDX-License-Identifier: Apache-2.0
// Internal contract shared by the SGM portable path and its twins (not installed).
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
#pragma once

#include <vector>

#include <mlx/array.h>

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

/// Largest matching cost of a kind: census bits (+ AD term).
int cost_max(const CoreParams& p);

/// Census transform: [H, W] float32 -> [H, W] uint64 (bit b = b-th window neighbour darker).
mx::array census_transform(const mx::array& image, int width, int height);
/// popcount of a uint64 array, as uint8.
mx::array popcount64(const mx::array& bits);
/// Matching cost volume [H, W, D] int16 (portable path).
mx::array cost_volume(const mx::array& left, const mx::array& right, const CoreParams& p);
/// Path-aggregated cost S [H, W, D] int16 (portable path; < 32767 by the option limits).
mx::array aggregate_paths(const mx::array& cost, const CoreParams& p);
/// Aggregation along one direction (dx, dy) in {-1,0,1}^2 \ {0}: L_r [H, W, D], cost's dtype.
mx::array aggregate_one_path(const mx::array& cost, int dx, int dy, int p1, int p2);
/// WTA, uniqueness, sub-pixel, LR check and confidence from S: {disparity, confidence} [H, W].
std::vector<mx::array> select_disparity(const mx::array& s, const CoreParams& p);
/// Median of the k x k window (edge-clamped), invalid values (-1) included as numbers.
mx::array median_filter(const mx::array& disparity, int size);
/// OpenCV-style speckle removal: 4-connected blobs (neighbours within `range`) of at most
/// `window` pixels become invalid (-1). Runs on a CPU stream (sequential flood fill).
mx::array speckle_filter(const mx::array& disparity, int window, float range);

/// The whole core (cost .. median) on the portable path and on the threaded CPU twin.
std::vector<mx::array> sgm_core_portable(const mx::array& left, const mx::array& right, const CoreParams& p);
std::vector<mx::array> sgm_core_cpu(const mx::array& left, const mx::array& right, const CoreParams& p);
/// CUDA twin (fast::cuda_kernel); supports num_d <= kCudaMaxDisparities (K <= 8 per lane).
constexpr int kCudaMaxDisparities = 256;
bool cuda_supports(const CoreParams& p);
std::vector<mx::array> sgm_core_cuda(const mx::array& left, const mx::array& right, const CoreParams& p);
/// Coarse-to-fine refinement (see sgm.cpp): census cost at c + [-radius, radius] around
/// c = round(coarse) clipped to the range, summed over a (2 kRefineBox + 1)^2 box, WTA + parabola.
constexpr int kRefineBox = 3;  // 7x7: best of 2, 3 on Middlebury with radius 1-2
std::vector<mx::array> refine_cpu(const mx::array& left, const mx::array& right, const mx::array& coarse,
                                  const CoreParams& p, int radius);
/// The whole pyramid path of compute_disparity (downsample by `factor`, core with `coarse`
/// params, nearest upsampling, refinement with `p` when radius > 0) as one CPU host op:
/// {disparity, confidence} [H, W] (sgm_refine_cpu.cpp).
std::vector<mx::array> sgm_pyramid_cpu(const mx::array& left, const mx::array& right, const CoreParams& p,
                                       const CoreParams& coarse, int factor, int radius);
/// Host body of the CPU twin (row-major float images, outputs preallocated H*W).
void sgm_core_host(const float* left, const float* right, int h, int w, const CoreParams& p, float* disparity,
                   float* confidence);

}  // namespace robomlx::stereo::detail
