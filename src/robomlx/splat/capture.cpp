// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/capture.h"

#include <filesystem>

#include "robomlx/splat/capture_image.h"
#include "robomlx/splat/colmap.h"
#include "robomlx/splat/splat_error_internal.h"
#include "robomlx/splat/transforms_json.h"

namespace fs = std::filesystem;

namespace robomlx::splat {

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool has_colmap(const fs::path& d) { return is_file(d / "cameras.bin") || is_file(d / "cameras.txt"); }

Capture load_colmap(const fs::path& root, const fs::path& model_dir, const CaptureOptions& options) {
  Capture c;
  c.format = CaptureFormat::colmap;
  c.source = model_dir.string();
  ColmapModel model = read_colmap_model(c.source);
  const fs::path images = root / options.images_folder;
  std::error_code ec;
  if (!fs::is_directory(images, ec)) {
    detail::fail_format("splat.images", images.string(), "the images folder of the COLMAP model " + c.source + " is missing");
  }
  c.cameras = colmap_cameras(model, images.string());
  if (!model.points_file.empty()) c.points = std::move(model.points);
  check_capture_images(c.cameras, model.images_file, options.skip_missing_images, options.check_image_sizes, c.skipped_images);
  return c;
}

Capture load_transforms(const fs::path& json, const fs::path& test_json, const CaptureOptions& options) {
  Capture c;
  c.format = CaptureFormat::transforms;
  c.source = json.string();
  TransformsCameras t = read_transforms_json(c.source, {options.skip_missing_images});
  c.cameras = std::move(t.cameras);
  c.skipped_images = std::move(t.skipped_images);
  check_capture_images(c.cameras, c.source, options.skip_missing_images, options.check_image_sizes, c.skipped_images);
  if (!test_json.empty() && is_file(test_json)) {
    TransformsCameras test = read_transforms_json(test_json.string(), {options.skip_missing_images});
    c.test_cameras = std::move(test.cameras);
    c.skipped_images.insert(c.skipped_images.end(), test.skipped_images.begin(), test.skipped_images.end());
    check_capture_images(c.test_cameras, test_json.string(), options.skip_missing_images, options.check_image_sizes, c.skipped_images);
  }
  if (!t.ply_file_path.empty()) c.points = read_sfm_points_ply(t.ply_file_path);
  return c;
}

}  // namespace

void check_capture_images(std::vector<Camera>& cameras, const std::string& source, bool skip_missing, bool check_sizes,
                          std::vector<std::string>& skipped) {
  std::vector<Camera> kept;
  std::size_t missing = 0;
  const Camera* first_missing = nullptr;
  for (const Camera& cam : cameras) {
    if (!is_file(cam.image_path)) {
      ++missing;
      if (!first_missing) first_missing = &cam;
      if (skip_missing) skipped.push_back(cam.image_path);
      continue;
    }
    kept.push_back(cam);
  }
  if (missing > 0 && !skip_missing) {
    std::error_code ec;
    const bool folder = fs::is_directory(first_missing->image_path, ec);
    detail::fail_format("splat.images", first_missing->image_path,
                        std::string(folder ? "is a folder, expected an image file" : "image file is missing") +
                            " (camera '" + first_missing->name + "' of " + source + "); " + std::to_string(missing) +
                            " of " + std::to_string(cameras.size()) + " referenced images are missing");
  }
  if (check_sizes) {
    for (const Camera& cam : kept) {
      const ImageHeader h = probe_capture_image(cam.image_path);
      if (h.width != std::uint64_t(cam.width) || h.height != std::uint64_t(cam.height)) {
        detail::fail_format("splat.images", cam.image_path,
                            "image is " + std::to_string(h.width) + "x" + std::to_string(h.height) + ", but camera '" +
                                cam.name + "' of " + source + " is " + std::to_string(cam.width) + "x" +
                                std::to_string(cam.height));
      }
    }
  }
  cameras = std::move(kept);
}

Capture load_capture(const std::string& dir, const CaptureOptions& options) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) detail::fail_format("splat.capture", dir, "is not a folder (expected a capture folder)");
  if (has_colmap(root / "sparse" / "0")) return load_colmap(root, root / "sparse" / "0", options);
  if (has_colmap(root / "sparse")) return load_colmap(root, root / "sparse", options);
  if (is_file(root / "transforms.json")) return load_transforms(root / "transforms.json", {}, options);
  if (is_file(root / "transforms_train.json")) {
    return load_transforms(root / "transforms_train.json", root / "transforms_test.json", options);
  }
  detail::fail_format("splat.capture", dir,
                      "not a capture folder: no COLMAP model (sparse/0/ or sparse/ with cameras.bin or cameras.txt, "
                      "and images/) and no transforms.json or transforms_train.json");
}

}  // namespace robomlx::splat
