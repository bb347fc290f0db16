// SPDX-License-Identifier: Apache-2.0
// Depth to points: the point cloud of a depth frame (librealsense rs2::pointcloud,
// src/proc/pointcloud.cpp, deprojection in src/rs.cpp, occlusion removal in
// src/proc/occlusion-filter.cpp).
//
// Not a ProcessingBlock: it takes a depth frame plus a texture stream's geometry and returns two
// arrays. Options via the same OptionTable API: "filter_magnitude" = occlusion removal, 1 = off,
// 2 = on (default), as the librealsense block reports it.
//
// vertices: [H, W, 3] float32 metres, (0, 0, 0) where z == 0 (and where occlusion removal drops a
//   vertex); deprojection of integer pixel (x, y) at depth z * depth_units with the depth
//   intrinsics' distortion model (none, Brown-Conrady, inverse/modified Brown-Conrady,
//   Kannala-Brandt4, F-theta; src/rs.cpp rs2_deproject_pixel_to_point).
// texcoords: [H, W, 2] float32, (u, v) = projected pixel / (width, height) of the texture
//   intrinsics after the depth->texture extrinsics; (0, 0) where z == 0; not clamped.
// The camera models are librealsense's scalar reference (src/rs.cpp). Its x86/ARM SIMD paths differ
// only for non-zero distortion coefficients (they ignore depth distortion except one forward
// inverse-Brown-Conrady step, and apply the modified-Brown-Conrady formula to every texture model
// but none/Brown-Conrady); with the D400's zero coefficients all agree, which the golden case shows
// to the last bit.
//
// Implementations (core/dispatch.h, tag "depth.pointcloud"): portable MLX ops (every camera model),
// a CPU Primitive with one host pass per row, and CUDA kernels (one thread per pixel, then one per
// row for the occlusion scan); the twins run when the texture projection is a plain pinhole (no
// distortion model, or the Brown-Conrady family with all-zero coefficients, the D400 case).
#pragma once

#include <optional>

#include <mlx/utils.h>

#include "robomlx/depth/block_options.h"
#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct PointcloudResult {
  mx::array vertices{0};   // [H, W, 3] float32
  mx::array texcoords{0};  // [H, W, 2] float32 (zeros when no texture is mapped)
};

class Pointcloud {
 public:
  Pointcloud();
  /// Maps texture coordinates to the stream with these intrinsics (librealsense map_to).
  void map_to(const Intrinsics& texture, const Extrinsics& depth_to_texture);
  /// Vertices and texture coordinates of a Z16 frame, on stream `s` (lazy).
  PointcloudResult calculate(const Frame& depth, mx::StreamOrDevice s = {}) const;

  std::map<std::string, OptionRange> options() const { return table_.ranges(); }
  float get_option(const std::string& option) const { return table_.get(option); }
  void set_option(const std::string& option, float value) { table_.set(option, value); }

 private:
  OptionTable table_;
  std::optional<Intrinsics> texture_;
  // Rays depend only on the depth intrinsics: kept like librealsense's per-profile table.
  mutable std::optional<Intrinsics> rays_for_;
  mutable mx::array rays_x_{0}, rays_y_{0};
  // The CPU twin's untextured path: when every row of rays_x_ is its first row and every column of
  // rays_y_ its first column (no distortion), those two [1, W] / [H, 1] axes instead of the planes
  // (7.4 MB less to read per 1280x720 frame). Checked once per geometry, on the host, bit for bit.
  mutable std::optional<std::pair<mx::array, mx::array>> ray_axes_;
  mutable bool ray_axes_checked_ = false;
  Extrinsics extrinsics_;
};

/// [H, W, 2] float32 normalised rays (x, y) with z = 1 for every pixel (x + offset, y + offset) of
/// `intr`, using librealsense's scalar deprojection for the intrinsics' distortion model
/// (modified Brown-Conrady, which librealsense refuses to deproject, is treated as undistorted).
mx::array deproject_rays(const Intrinsics& intr, int height, int width, float offset = 0.0f, mx::StreamOrDevice s = {});

/// Projects points [..., 3] (metres) to pixels [..., 2] with `intr`'s forward distortion model
/// (rs2_project_point_to_pixel).
mx::array project_points(const mx::array& points, const Intrinsics& intr, mx::StreamOrDevice s = {});

/// p' = R p + t for points [..., 3].
mx::array transform_points(const mx::array& points, const Extrinsics& e, mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
