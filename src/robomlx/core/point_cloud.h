// SPDX-License-Identifier: Apache-2.0
// Point clouds: loading from PLY or NPY, summary statistics and an orthographic preview image,
// all computed with MLX ops on the current default device.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <mlx/array.h>
#include <mlx/ops.h>

#include "robomlx/core/image.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/ply.h"

namespace robomlx {

namespace mx = mlx::core;

/// Positions in the file's units (usually metres). `colors` and `normals`, when present, have
/// one row per point.
struct PointCloud {
  mx::array positions = mx::zeros({0, 3}, mx::float32);  // [N, 3] float32
  std::optional<mx::array> colors;                       // [N, 3] uint8 RGB
  std::optional<mx::array> normals;                      // [N, 3] float32
  std::size_t dropped_non_finite = 0;                    // rows a loader dropped (NonFinitePolicy::drop)

  int size() const { return positions.ndim() == 2 ? positions.shape(0) : 0; }
  /// Throws std::invalid_argument "[core.point_cloud] ..." for wrong shapes or dtypes.
  void validate() const;
};

/// How loaders treat a point with a NaN or an infinity in a value they use (position, normal,
/// float colour, or the f_dc_* terms colours come from); values beyond float32 count as
/// infinities. reject (default): FormatError naming the file, the row and the property.
/// drop: such rows are left out and counted in PointCloud::dropped_non_finite.
struct PointCloudLoadOptions {
  NonFinitePolicy non_finite = NonFinitePolicy::reject;
};

/// x, y, z (any PLY numeric type, converted to float32); colours from red/green/blue or, for
/// 3D Gaussian-splatting files without them, from the degree-0 SH coefficients
/// (clip(0.5 + 0.28209479 * f_dc, 0, 1) * 255, rounded); normals from nx, ny, nz. Applies
/// `options` (`file` names the source in messages).
PointCloud point_cloud_from_ply(const PlyData& ply, const PointCloudLoadOptions& options = {},
                                const std::string& file = "<memory>");
/// Reads a PLY file (FormatError for malformed files and for files without x, y, z).
PointCloud load_point_cloud_ply(const std::string& path, const PointCloudLoadOptions& options = {});
/// Positions from an [N, 3] float32/float64 .npy, colours (optional, "" for none) from an
/// [N, 3] uint8 .npy. Throws FormatError naming the file for other shapes or dtypes, and
/// InputLimitError when N exceeds the points cap (checked from the header).
PointCloud load_point_cloud_npy(const std::string& positions_path, const std::string& colors_path = "",
                                const PointCloudLoadOptions& options = {});
/// By extension: ".ply" or ".npy" (colours only for .npy; "" for none).
PointCloud load_point_cloud(const std::string& path, const std::string& colors_path = "",
                            const PointCloudLoadOptions& options = {});

struct PointCloudStatsOptions {
  /// Points sampled (evenly by index) for the mean nearest-neighbour spacing; each is compared
  /// with every point (brute force, O(samples * N)). 0 skips the estimate.
  int spacing_samples = 256;
  void validate() const;  // 0 <= spacing_samples <= 1'000'000
};

/// Statistics over all points, in position units. Non-finite coordinates propagate (NaN/inf)
/// into every statistic of their axis except `count` (the loaders never hand such points on:
/// PointCloudLoadOptions). An empty cloud gives NaN everywhere.
struct PointCloudStats {
  std::int64_t count = 0;
  std::array<double, 3> centroid{};  // per-axis mean
  std::array<double, 3> bbox_min{};
  std::array<double, 3> bbox_max{};
  std::array<double, 3> std_dev{};   // per-axis population standard deviation (ddof = 0)
  double mean_spacing = 0;           // mean distance from a sampled point to its nearest other point; NaN if not computed
  int spacing_samples = 0;           // how many points that mean used

  /// {"count":..,"centroid":[..],"bbox_min":[..],"bbox_max":[..],"std":[..],"mean_spacing":..,
  /// "spacing_samples":..}; NaN is written as null.
  std::string to_json() const;
};

PointCloudStats compute_stats(const PointCloud& cloud, const PointCloudStatsOptions& options = {});

enum class PreviewView {
  Auto,   // look along the axis of least extent, from its positive side
  Top,    // look down -z: image right = +x, up = +y
  Front,  // look along +y: image right = +x, up = +z
  Side,   // look along -x: image right = +y, up = +z
};

/// Parses "auto", "top", "front" or "side"; throws std::invalid_argument otherwise.
PreviewView parse_preview_view(const std::string& text);

struct PreviewOptions {
  int width = 512;   // pixels, 1..16384
  int height = 512;  // pixels, 1..16384
  PreviewView view = PreviewView::Auto;
  int point_size = 2;                                  // square splat side in pixels, 1..16
  int margin = 8;                                      // pixels left free around the cloud
  std::array<std::uint8_t, 3> background{18, 18, 24};  // RGB
  void validate() const;
};

/// Orthographic [height, width, 3] uint8 preview: the cloud's bounding box is fitted into the
/// image keeping the aspect ratio; a z-buffer (scatter_min of depth) keeps the nearest point per
/// pixel. Colours come from the cloud, else from a depth ramp (near = warm, far = cool).
/// Non-finite points are skipped.
Image render_preview(const PointCloud& cloud, const PreviewOptions& options = {});

}  // namespace robomlx
