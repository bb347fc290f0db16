// SPDX-License-Identifier: Apache-2.0
// A small PointCNN++-style ResNet classifier on point convolutions (specs A.3, scaled down):
//   stem: point_conv(in -> stem, same points) -> LayerNorm -> ReLU
//   stage s = 1..4: voxel-downsample (voxel = first_voxel * 2^(s-1)) -> strided point_conv ->
//                   LayerNorm -> ReLU -> one BasicBlock (conv-norm-relu-conv-norm + identity, ReLU)
//   head: per-sample mean over the last level (global pool, segment_reduce mean) -> linear -> logits.
// Normalisation is upstream's RaggedLayerNorm (per sample, over all its points and channels, then a
// per-channel affine). Convolutions have no bias (a norm follows each), like upstream.
//
// Geometry (levels, neighbours, triplets) depends only on the points and is built once per batch,
// outside autodiff; forward() is then a pure function of the parameter list, ready for
// mx::value_and_grad.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/sparse/point_conv.h"

namespace robomlx::sparse {

namespace mx = mlx::core;

struct BackboneConfig {
  int in_channels = 4;
  int num_classes = 4;
  int stem_channels = 16;
  std::array<int, 4> stage_channels{16, 32, 64, 96};
  float stem_radius = 0.25f;   // stem conv radius, in the points' units
  float first_voxel = 0.2f;    // stage-1 voxel size; doubles each stage
  float radius_factor = 1.6f;  // conv radius at stage s = radius_factor * voxel size of s
  int kernel_size = 3;         // taps per axis
  int max_neighbors = 32;      // neighbour cap per output point (bounds the triplet count)
  void validate() const;
};

/// One resolution level: float32 [N_l, 3] points and their int32 [N_l] batch ids.
struct Level {
  mx::array points;
  mx::array batch;
};

struct BackboneGeometry {
  std::vector<Level> levels;        // 0 = input, 1..4 = stages
  ConvTriplets stem;                // level 0 -> 0
  std::vector<ConvTriplets> down;   // [s-1]: level s-1 -> s
  std::vector<ConvTriplets> same;   // [s-1]: level s -> s
  int num_samples = 0;
  mx::array last_lengths = mx::array({}, mx::int32);  // int32 [num_samples]: points per sample, last level
};

/// points float32 [N, 3], batch int32 [N] in [0, num_samples), non-decreasing (samples stored one
/// after another), every sample non-empty. Throws "[sparse.backbone] ..." otherwise. Runs on `s`.
BackboneGeometry build_backbone_geometry(const mx::array& points, const mx::array& batch, int num_samples,
                                         const BackboneConfig& config, mx::StreamOrDevice s = {});

struct Backbone {
  BackboneConfig config;
  std::vector<std::string> names;  // one per parameter, e.g. "stage2.block.conv1.weight"
  std::vector<mx::array> params;

  /// Kaiming-normal (fan-in) conv and head weights, unit norm scales, zero shifts; deterministic in `seed`.
  static Backbone create(const BackboneConfig& config, uint64_t seed);

  /// features float [N, in_channels] on level 0 -> logits [num_samples, num_classes], on `s`.
  mx::array forward(const std::vector<mx::array>& params, const mx::array& features, const BackboneGeometry& geometry,
                    mx::StreamOrDevice s = {}) const;
};

/// Mean cross-entropy of logits [B, classes] against int32 labels [B].
mx::array cross_entropy(const mx::array& logits, const mx::array& labels, mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
