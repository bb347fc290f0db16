// SPDX-License-Identifier: Apache-2.0
// graphdeco's cameras.json (written by the 3DGS trainer beside its point clouds; read by its
// viewers): a JSON array of
//   {"id": 0, "img_name": "00001", "width": W, "height": H,
//    "position": [x, y, z],                       camera centre in the world
//    "rotation": [[..], [..], [..]],              camera-to-world rotation, as rows
//    "fx": fx, "fy": fy}
// Camera axes as COLMAP (x right, y down, z forward). The principal point is the image centre
// (graphdeco has no other), so cx = width / 2, cy = height / 2. No image path is stored:
// Camera::image_path is "" (img_name has no extension).
// Errors: FormatError "[splat.cameras] <file>: camera 3 ('00004'): <field> ...".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

std::vector<Camera> read_cameras_json(const std::string& path);
std::vector<Camera> parse_cameras_json(std::string_view text, const std::string& name = "<memory>");

/// The same format, ids 0..N-1 in the given order, img_name = Camera::name. Principal points
/// off the image centre cannot be represented: std::invalid_argument "[splat.cameras] ..."
/// (as for invalid cameras), before anything is written. The file is written atomically.
void write_cameras_json(const std::string& path, const std::vector<Camera>& cameras);
std::string encode_cameras_json(const std::vector<Camera>& cameras);

}  // namespace robomlx::splat
