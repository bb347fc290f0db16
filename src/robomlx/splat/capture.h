// SPDX-License-Identifier: Apache-2.0
// A posed capture folder, as graphdeco's trainer takes one (`-s DIR`):
//   COLMAP:      DIR/sparse/0/ (or DIR/sparse/) holding cameras, images, points3D (.bin or .txt),
//                and the photos in DIR/images/ (the undistorted output of colmap image_undistorter)
//   transforms:  DIR/transforms.json (nerfstudio, instant-ngp), or the NeRF-synthetic
//                DIR/transforms_train.json (+ transforms_test.json) with paths relative to DIR
// looked for in that order. Cameras come back sorted by image name (COLMAP, as graphdeco) or in
// file order (transforms), with their image paths.
//
// Images are checked eagerly and cheaply: every referenced file must exist and its header
// (PNG or JPEG, at most 64 KiB read per image) must give the camera's size; no pixel is decoded
// (read_capture_image does that when the trainer asks). A missing image is an error naming it and
// counting the others, unless skip_missing_images leaves such cameras out.
// Errors: FormatError "[splat.capture] DIR: ..." when the folder is neither layout,
// "[splat.images] <image>: ..." for images, and the readers' own "[splat.colmap]",
// "[splat.cameras]", "[splat.ply]" errors. Loading writes nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "robomlx/splat/sfm_points.h"
#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

enum class CaptureFormat { colmap, transforms };

struct CaptureOptions {
  std::string images_folder = "images";  // COLMAP: the photos' folder, relative to DIR
  bool skip_missing_images = false;      // leave out cameras whose image is missing (counted)
  bool check_image_sizes = true;         // probe every image's header against its camera
};

struct Capture {
  CaptureFormat format = CaptureFormat::colmap;
  std::string source;                       // the COLMAP model folder or the JSON file read
  std::vector<Camera> cameras;              // training cameras (all of them for COLMAP)
  std::vector<Camera> test_cameras;         // NeRF-synthetic transforms_test.json, when present
  std::optional<SfmPoints> points;          // COLMAP points3D, or nerfstudio's ply_file_path
  std::vector<std::string> skipped_images;  // missing images left out (skip_missing_images)
};

Capture load_capture(const std::string& dir, const CaptureOptions& options = {});

/// The image checks of load_capture over `cameras` (from `source`, named in messages): existence,
/// then, with check_sizes, the header size. Missing images are removed into `skipped` when
/// skip_missing, else the first is reported with the count.
void check_capture_images(std::vector<Camera>& cameras, const std::string& source, bool skip_missing, bool check_sizes,
                          std::vector<std::string>& skipped);

}  // namespace robomlx::splat
