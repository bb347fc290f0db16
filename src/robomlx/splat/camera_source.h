// SPDX-License-Identifier: Apache-2.0
// Cameras from whatever a user points at, recognised by what it is (no images needed: rendering
// and format conversion use the cameras only):
//   a folder holding cameras.bin or cameras.txt   a COLMAP model (images, points3D beside it)
//   a folder with sparse/0/ or sparse/ of those   a COLMAP capture folder (as capture.h)
//   a folder with transforms.json                 a transforms capture (transforms_train.json too)
//   a .json file whose top level is an object     transforms.json (transforms_json.h)
//   a .json file whose top level is an array      graphdeco's cameras.json (cameras_json.h)
// in that order. Cameras come back in the source's order: sorted by image name for COLMAP (as
// graphdeco), file order otherwise; image paths as the readers resolve them (images/NAME beside
// a COLMAP capture's sparse folder), whether or not those images exist.
// Errors: FormatError "[splat.cameras] <path>: ..." for a path that does not exist, a folder that
// is none of the above, a file that is not JSON; the readers' own errors otherwise.
#pragma once

#include <string>
#include <vector>

#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

struct CameraSource {
  std::string kind;  // "COLMAP model", "transforms.json", "cameras.json"
  std::string file;  // the model folder or the JSON file actually read
  std::vector<Camera> cameras;
};

CameraSource read_camera_source(const std::string& path);

}  // namespace robomlx::splat
