// SPDX-License-Identifier: Apache-2.0
// Camera files in the NeRF "transforms" format: nerfstudio's transforms.json, instant-ngp's, and
// the NeRF-synthetic (Blender) transforms_{train,test,val}.json.
//
// Intrinsics, each taken from the frame when it has it, else from the top level:
//   w, h            image size; when absent, read from the image's header
//   fl_x, fl_y      focal lengths in pixels; else camera_angle_x / camera_angle_y (full field of
//                   view, radians): f = 0.5 * size / tan(0.5 * angle); fl_y defaults to fl_x
//   cx, cy          principal point; default w / 2, h / 2
//   k1 k2 k3 k4 p1 p2   distortion: must be absent or 0 (undistort the images first)
//   camera_model    absent, OPENCV, PINHOLE or SIMPLE_PINHOLE (fisheye and equirectangular refused)
// Poses: frames[i].transform_matrix, camera to world (4x4, or its top 3x4) in the OpenGL / NeRF
// convention (x right, y up, z backward); converted to ours (x right, y down, z forward) by
// negating the y and z camera axes. frames[i].file_path is relative to the JSON file's folder,
// with or without extension (Blender's "./train/r_0": .png, .jpg, .jpeg tried in that order).
// nerfstudio's ply_file_path (initial points) is resolved too. Other keys are ignored.
// Errors: FormatError "[splat.cameras] <file>: frame 3 ('./train/r_3'): <field> ...".
//
// The writer emits what the reader above reads back exactly (doubles round-trip): top level
// "camera_model": "PINHOLE", then per frame file_path, w, h, fl_x, fl_y, cx, cy and
// transform_matrix (4x4, OpenGL axes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

struct TransformsCameras {
  std::vector<Camera> cameras;              // file order
  std::string ply_file_path;                // resolved; "" when the file names none
  std::vector<std::string> skipped_images;  // frames left out for a missing image (skip_missing_images)
};

struct TransformsOptions {
  /// Leave out frames whose image file does not exist (instant-ngp's fox lists 67 frames and
  /// ships 50 images), instead of failing with "[splat.images] <image>: image file is missing"
  /// where a missing image's size is needed.
  bool skip_missing_images = false;
};

TransformsCameras read_transforms_json(const std::string& path, const TransformsOptions& options = {});
/// The same from text; `name` is used in messages and its folder resolves file_path.
TransformsCameras parse_transforms_json(std::string_view text, const std::string& name,
                                        const TransformsOptions& options = {});

/// The cameras as a transforms.json text. Each frame's file_path is Camera::image_path relative
/// to `json_dir` (the folder the file will live in) when image_path is set, else Camera::name.
/// Invalid cameras (check_camera) throw std::invalid_argument "[splat.cameras] ..." naming the
/// camera, before anything is written.
std::string encode_transforms_json(const std::vector<Camera>& cameras, const std::string& json_dir);
/// The same, written atomically to `path` (file_path relative to path's folder).
void write_transforms_json(const std::string& path, const std::vector<Camera>& cameras);

}  // namespace robomlx::splat
