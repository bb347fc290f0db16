// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/camera_source.h"

#include <filesystem>

#include "robomlx/core/io/ply_detail.h"
#include "robomlx/splat/cameras_json.h"
#include "robomlx/splat/colmap.h"
#include "robomlx/splat/splat_error_internal.h"
#include "robomlx/splat/transforms_json.h"

namespace fs = std::filesystem;

namespace robomlx::splat {

namespace {

constexpr const char* kTag = "splat.cameras";

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool has_colmap(const fs::path& d) { return is_file(d / "cameras.bin") || is_file(d / "cameras.txt"); }

CameraSource from_colmap(const fs::path& model_dir, const fs::path& images_dir) {
  const ColmapModel model = read_colmap_model(model_dir.string());
  return {"COLMAP model", model_dir.string(), colmap_cameras(model, images_dir.string())};
}

// The first character that is not JSON whitespace tells an object from an array without a second
// parse: the readers then parse (and check) the whole text.
CameraSource from_json(const std::string& path) {
  const std::string text = detail::with_tag(kTag, [&] { return robomlx::detail::read_file_bytes(path); });
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') return {"cameras.json", path, parse_cameras_json(text, path)};
  if (first != std::string::npos && text[first] == '{') return {"transforms.json", path, parse_transforms_json(text, path).cameras};
  detail::fail_format(kTag, path, "is neither a transforms.json (a JSON object) nor a cameras.json (a JSON array)");
}

// A model folder's images: CAPTURE/images for CAPTURE/sparse/0 and CAPTURE/sparse (graphdeco's
// layout), else an images folder beside the model.
fs::path images_beside(const fs::path& model_dir) {
  fs::path n = fs::absolute(model_dir).lexically_normal();
  if (n.filename().empty()) n = n.parent_path();  // a trailing slash
  if (n.filename() == "sparse") return n.parent_path() / "images";
  if (n.parent_path().filename() == "sparse") return n.parent_path().parent_path() / "images";
  return n.parent_path() / "images";
}

}  // namespace

CameraSource read_camera_source(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (has_colmap(p)) return from_colmap(p, images_beside(p));
    if (has_colmap(p / "sparse" / "0")) return from_colmap(p / "sparse" / "0", p / "images");
    if (has_colmap(p / "sparse")) return from_colmap(p / "sparse", p / "images");
    if (is_file(p / "transforms.json")) return from_json((p / "transforms.json").string());
    if (is_file(p / "transforms_train.json")) return from_json((p / "transforms_train.json").string());
    detail::fail_format(kTag, path,
                        "is not a camera source: no COLMAP model (cameras.bin or cameras.txt, here or in sparse/0/ or "
                        "sparse/) and no transforms.json or transforms_train.json");
  }
  if (!fs::exists(p, ec)) detail::fail_format(kTag, path, "no such file or folder (expected cameras: a COLMAP model "
                                                          "folder, a capture folder, transforms.json or cameras.json)");
  return from_json(path);
}

}  // namespace robomlx::splat
