// SPDX-License-Identifier: Apache-2.0
// Voxel-grid downsampling that keeps one real point per occupied voxel (upstream PointCNN++
// grid_sample_filter, reduction "center_nearest").
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::sparse {

namespace mx = mlx::core;

struct VoxelDownsampleOptions {
  float voxel_size = 0.05f;  // > 0, voxel edge in the points' units; voxel v covers [v*s, (v+1)*s)
  void validate() const;
};

/// Returns int32 [M]: the indices of the kept points, ascending. Each occupied voxel of each batch
/// keeps the point nearest its centre (v + 0.5) * voxel_size; on an exact tie the lower index wins.
/// points: float32 [N, 3]; batch: optional int32 [N] ids >= 0 (voxels never mix batches).
/// Ascending indices keep batch-contiguous inputs batch-contiguous. Synchronises once (M). Runs on
/// `s` (MLX ops only: no twins).
mx::array voxel_downsample(const mx::array& points, const VoxelDownsampleOptions& options,
                           const std::optional<mx::array>& batch = std::nullopt, mx::StreamOrDevice s = {});

}  // namespace robomlx::sparse
