// SPDX-License-Identifier: Apache-2.0
// COLMAP sparse models (a folder with cameras, images and points3D, each as .txt or .bin), as
// written by `colmap mapper` / `colmap image_undistorter` / `colmap model_converter`.
//
// cameras: CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]   (binary: i32 id, i32 model id, u64 w, u64 h, f64 params)
// images:  IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME, then a line of POINTS2D[] as (X Y POINT3D_ID)
//          (binary: u32 id, 4 f64 q, 3 f64 t, u32 camera id, NUL-terminated name, u64 n, n x (f64 x, f64 y, i64 id))
//          q, t map world to camera (x right, y down, z forward).
// points3D: POINT3D_ID X Y Z R G B ERROR TRACK[] as (IMAGE_ID POINT2D_IDX)
//          (binary: u64 id, 3 f64 xyz, 3 u8 rgb, f64 error, u64 n, n x (i32 image id, i32 point2D idx))
// All little-endian. Keypoints (POINTS2D) and tracks are validated and skipped: splatting needs
// poses, intrinsics and the points' positions and colours only.
//
// Malformed files throw FormatError "[splat.colmap] <file>: <what>" naming the line (text) or the
// record and byte offset (binary) and the field: truncated records, counts larger than the bytes
// left, duplicate ids, an image whose camera is missing, parameter counts that do not match the
// model, unknown models, NaN or infinite point coordinates. A points3D count over the points cap
// throws InputLimitError before anything is allocated.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "robomlx/splat/sfm_points.h"
#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

enum class ColmapFormat { text, binary };

struct ColmapCamera {
  std::uint32_t id = 0;
  std::string model;  // "SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "OPENCV", ...
  std::uint64_t width = 0, height = 0;
  std::vector<double> params;  // as many as the model has
};

struct ColmapImage {
  std::uint32_t id = 0;
  std::array<double, 4> qvec{1, 0, 0, 0};  // (w, x, y, z), world to camera
  std::array<double, 3> tvec{0, 0, 0};
  std::uint32_t camera_id = 0;
  std::string name;  // path relative to the images folder
};

/// A model as the files hold it, in file order. Point ids, errors and tracks are not kept (the
/// writer numbers points 1..N with error 0 and empty tracks).
struct ColmapModel {
  std::vector<ColmapCamera> cameras;
  std::vector<ColmapImage> images;
  SfmPoints points;  // xyz (float64 in the files, float32 here) and rgb
  std::string cameras_file, images_file, points_file;  // where they were read from (for messages)
};

/// Number of parameters of a COLMAP camera model (by name); 0 for an unknown name.
int colmap_model_param_count(std::string_view model);

/// Reads cameras, images and points3D from `dir`, preferring .bin when both forms are there
/// (as COLMAP and graphdeco do). A folder with neither cameras.bin nor cameras.txt is a
/// FormatError naming the folder; a model without points3D has no points.
ColmapModel read_colmap_model(const std::string& dir);
ColmapModel read_colmap_model(const std::string& dir, ColmapFormat format);

/// Writes cameras, images and points3D into `dir` (created if needed), each file atomically.
/// The whole model is checked first (unique ids, known models with their parameter counts,
/// images whose camera exists, names without line breaks, finite values), so invalid input
/// writes nothing: std::invalid_argument "[splat.colmap] ...".
void write_colmap_model(const std::string& dir, const ColmapModel& model, ColmapFormat format);

// One file's content, from memory (`name` in messages): what the readers above use, and the
// fuzz harness.
std::vector<ColmapCamera> parse_colmap_cameras(std::string_view data, ColmapFormat format, const std::string& name);
std::vector<ColmapImage> parse_colmap_images(std::string_view data, ColmapFormat format, const std::string& name);
SfmPoints parse_colmap_points3d(std::string_view data, ColmapFormat format, const std::string& name);
std::string encode_colmap_cameras(const std::vector<ColmapCamera>& cameras, ColmapFormat format);
std::string encode_colmap_images(const std::vector<ColmapImage>& images, ColmapFormat format);
std::string encode_colmap_points3d(const SfmPoints& points, ColmapFormat format);

/// One pinhole Camera per image, sorted by image name (graphdeco's order), image_path =
/// images_dir/NAME. SIMPLE_PINHOLE (f, cx, cy) and PINHOLE (fx, fy, cx, cy) are accepted; every
/// model with lens distortion (SIMPLE_RADIAL, RADIAL, OPENCV, the fisheyes, ...) is refused with
/// a FormatError telling to run `colmap image_undistorter` first, since splatting renders an
/// ideal pinhole image. Each camera is checked (check_camera: zero focal length, bad sizes,
/// non-finite poses) and so are the model's references (an image whose camera id is missing).
std::vector<Camera> colmap_cameras(const ColmapModel& model, const std::string& images_dir);

}  // namespace robomlx::splat
