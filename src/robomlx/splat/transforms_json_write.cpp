// SPDX-License-Identifier: Apache-2.0
// The transforms.json writer (the reader is transforms_json.cpp).
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/splat/transforms_json.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace robomlx::splat {

namespace {

// `image` relative to `dir`, both made absolute first; the absolute path where no relative one
// exists (another drive root).
std::string relative_to(const std::string& image, const std::string& dir) {
  const fs::path a = fs::absolute(image).lexically_normal();
  const fs::path base = fs::absolute(dir.empty() ? "." : dir).lexically_normal();
  const fs::path r = a.lexically_relative(base);
  return r.empty() ? a.generic_string() : r.generic_string();
}

}  // namespace

std::string encode_transforms_json(const std::vector<Camera>& cameras, const std::string& json_dir) {
  json frames = json::array();
  for (std::size_t i = 0; i < cameras.size(); ++i) {
    const Camera& cam = cameras[i];
    const std::string where = "camera " + std::to_string(i) + " ('" + cam.name + "')";
    try {
      check_camera(cam, "splat.cameras", "transforms.json", where);
    } catch (const FormatError& e) {
      throw std::invalid_argument(e.what());
    }
    const std::string file_path = cam.image_path.empty() ? cam.name : relative_to(cam.image_path, json_dir);
    if (file_path.empty()) throw std::invalid_argument("[splat.cameras] " + where + ": needs a name or an image path");
    // Camera to world = R^T, with the y and z camera axes negated (OpenGL: y up, z backward).
    const auto& r = cam.rotation;
    const Vec3 c = cam.center();
    json m = json::array();
    for (int row = 0; row < 3; ++row) m.push_back({r[row], -r[3 + row], -r[6 + row], c[row]});
    m.push_back({0.0, 0.0, 0.0, 1.0});
    frames.push_back({{"file_path", file_path},
                      {"w", cam.width},
                      {"h", cam.height},
                      {"fl_x", cam.fx},
                      {"fl_y", cam.fy},
                      {"cx", cam.cx},
                      {"cy", cam.cy},
                      {"transform_matrix", m}});
  }
  if (frames.empty()) throw std::invalid_argument("[splat.cameras] transforms.json needs at least one camera");
  return json{{"camera_model", "PINHOLE"}, {"frames", frames}}.dump(2) + "\n";
}

void write_transforms_json(const std::string& path, const std::vector<Camera>& cameras) {
  write_file_atomically(path, encode_transforms_json(cameras, fs::path(path).parent_path().string()));
}

}  // namespace robomlx::splat
