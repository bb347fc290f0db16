// SPDX-License-Identifier: Apache-2.0
// A posed pinhole camera of a capture, in the convention of COLMAP, OpenCV and graphdeco:
// camera x right, y down, z forward (looking along +z); x_cam = R x_world + t (world to camera).
// Pixel coordinates: u = fx * x/z + cx, v = fy * y/z + cy, with cx, cy as the source gives them
// (COLMAP puts the centre of the top-left pixel at (0.5, 0.5); graphdeco's rasterizer assumes
// cx = W/2, cy = H/2 with pixel centres at integers: the rasterizer decides, not the loader).
// Every reader converts to this: transforms.json's OpenGL camera-to-world matrices, cameras.json's
// camera-to-world rotation and centre, COLMAP's quaternion and translation.
#pragma once

#include <array>
#include <string>

namespace robomlx::splat {

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<double, 9>;  // row-major

struct Camera {
  std::string name;        // the image's name in the source (COLMAP NAME, transforms file_path, img_name)
  std::string image_path;  // the image file; "" when the source names none (cameras.json)
  int width = 0, height = 0;
  double fx = 0, fy = 0, cx = 0, cy = 0;  // pixels
  Mat3 rotation{1, 0, 0, 0, 1, 0, 0, 0, 1};  // R, world to camera
  Vec3 translation{0, 0, 0};                // t, world to camera

  /// The camera centre in world coordinates, -R^T t.
  Vec3 center() const;
  /// R x + t.
  Vec3 to_camera(const Vec3& x_world) const;
  /// (u, v) of a world point (its camera z must be > 0; otherwise the result is meaningless).
  std::array<double, 2> project(const Vec3& x_world) const;
  /// [R t; 0 0 0 1], row-major (graphdeco's viewmatrix is its transpose).
  std::array<double, 16> world_to_camera() const;
  /// Full field of view in radians: 2 atan(width / (2 fx)), 2 atan(height / (2 fy)).
  double fov_x() const;
  double fov_y() const;
};

/// The pose from a camera-to-world rotation (columns = camera axes in the world, x right, y down,
/// z forward) and the camera centre.
void set_camera_to_world(Camera& camera, const Mat3& rotation_c2w, const Vec3& center);

/// R of a unit quaternion (w, x, y, z); the quaternion is normalised first (COLMAP does too).
Mat3 rotation_from_quaternion(double w, double x, double y, double z);

/// Checks one camera as read from `file` (`where` says which, e.g. "image 3 'a.png'"): width and
/// height in [1, 65535] and within the pixels cap, fx and fy finite and > 0, cx and cy finite,
/// R a finite rotation (orthonormal within 1e-4, det +1), t finite. Throws FormatError
/// "[<tag>] <file>: <where>: fx must be a finite number > 0, got 0" and the like.
void check_camera(const Camera& camera, const std::string& tag, const std::string& file, const std::string& where);
/// The two halves of check_camera, for sources that keep intrinsics and poses in separate files.
void check_camera_intrinsics(const Camera& camera, const std::string& tag, const std::string& file,
                             const std::string& where);
void check_camera_pose(const Camera& camera, const std::string& tag, const std::string& file, const std::string& where);

}  // namespace robomlx::splat
