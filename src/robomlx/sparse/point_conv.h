// SPDX-License-Identifier: Apache-2.0
// Point convolution on MVMR (PointCNN++ PointConv3d): each neighbour j of an output point i lands
// in one of kernel_size^3 taps by its offset p_j - q_i binned on a grid over [-R, R]^3, and
//   y[i] = bias + sum over neighbours j of x[j] @ W[tap(i, j)]   (per group).
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::sparse {

namespace mx = mlx::core;

struct TripletOptions {
  float radius = 0.1f;    // neighbour search radius (inclusive), in the points' units
  int kernel_size = 3;    // taps per axis, 1..7; K = kernel_size^3 taps
  int max_neighbors = 0;  // 0 = all neighbours; else the closest ones
  void validate() const;
};

/// Convolution triplets (tap k, input j, output i), sorted by tap (stable). All int32 [T].
struct ConvTriplets {
  mx::array tap = mx::array({}, mx::int32);
  mx::array input = mx::array({}, mx::int32);
  mx::array output = mx::array({}, mx::int32);
  int num_inputs = 0;
  int num_outputs = 0;
  int num_taps = 0;
  int size() const { return tap.shape(0); }
};

/// Radius search from `out_points` [M, 3] into `in_points` [N, 3] (float32, same batches only,
/// optional int32 batch ids) and tap binning: per axis, u = (p_j - q_i) / R in [-1, 1] maps to
/// bin min(floor((u + 1) / 2 * kernel_size), kernel_size - 1); tap = (bx * ks + by) * ks + bz.
/// The result is evaluated (the search synchronises anyway). Runs on `s`.
ConvTriplets build_triplets(const mx::array& in_points, const mx::array& out_points, const TripletOptions& options,
                            const std::optional<mx::array>& in_batch = std::nullopt,
                            const std::optional<mx::array>& out_batch = std::nullopt, mx::StreamOrDevice s = {});

/// y = point_conv(x, weight, bias, triplets):
///   x: float [N_in, C_in]; weight: [K, G, C_in / G, C_out / G]; bias: optional [C_out];
///   returns [N_out, C_out] with channel c = g * (C_out / G) + m. Differentiable in x, weight,
///   bias (through MVMR's custom VJP). Throws "[sparse.point_conv] ..." on shape mismatches.
///   Runs on `s` (MVMR picks its implementation from its device).
mx::array point_conv(const mx::array& x, const mx::array& weight, const std::optional<mx::array>& bias,
                     const ConvTriplets& triplets, mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
