// SPDX-License-Identifier: Apache-2.0
// COLMAP model -> pinhole Cameras. Distorted models are refused rather than silently treated as
// pinholes: rendering an ideal pinhole against distorted photos trains a blurred scene.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "robomlx/core/input_policy.h"
#include "robomlx/splat/colmap_internal.h"

namespace robomlx::splat {

using detail::kColmapTag;

std::vector<Camera> colmap_cameras(const ColmapModel& model, const std::string& images_dir) {
  const std::string& cameras_file = model.cameras_file.empty() ? std::string("cameras") : model.cameras_file;
  const std::string& images_file = model.images_file.empty() ? std::string("images") : model.images_file;
  std::map<std::uint32_t, const ColmapCamera*> by_id;
  for (const auto& c : model.cameras) {
    if (!by_id.emplace(c.id, &c).second) {
      detail::fail_format(kColmapTag, cameras_file, "camera id " + std::to_string(c.id) + " appears twice");
    }
  }
  std::map<std::uint32_t, bool> seen_images;
  std::vector<Camera> out;
  out.reserve(model.images.size());
  for (const auto& im : model.images) {
    const std::string image = "image " + std::to_string(im.id) + " '" + im.name + "'";
    if (seen_images[im.id]) detail::fail_format(kColmapTag, images_file, "image id " + std::to_string(im.id) + " appears twice");
    seen_images[im.id] = true;
    const auto it = by_id.find(im.camera_id);
    if (it == by_id.end()) {
      detail::fail_format(kColmapTag, images_file, image + ": camera " + std::to_string(im.camera_id) + " is not in " + cameras_file);
    }
    const ColmapCamera& c = *it->second;
    const std::string camera = "camera " + std::to_string(c.id) + " (of " + image + ")";
    Camera cam;
    cam.name = im.name;
    cam.image_path = (std::filesystem::path(images_dir) / im.name).string();
    // Narrowed only after the range is known, so a 2^40-pixel camera is reported, not wrapped.
    cam.width = int(std::min<std::uint64_t>(c.width, 65536));
    cam.height = int(std::min<std::uint64_t>(c.height, 65536));
    const auto& p = c.params;
    if (c.model == "SIMPLE_PINHOLE" && p.size() == 3) {
      cam.fx = cam.fy = p[0], cam.cx = p[1], cam.cy = p[2];
    } else if (c.model == "PINHOLE" && p.size() == 4) {
      cam.fx = p[0], cam.fy = p[1], cam.cx = p[2], cam.cy = p[3];
    } else if (colmap_model_param_count(c.model) > 0) {
      detail::fail_format(kColmapTag, cameras_file,
                          camera + " uses the " + c.model + " model, which has lens distortion; splatting needs "
                          "undistorted pinhole images (SIMPLE_PINHOLE or PINHOLE): run `colmap image_undistorter "
                          "--image_path <images> --input_path <this model> --output_path <new folder>` and load "
                          "its output");
    } else {
      detail::fail_format(kColmapTag, cameras_file, camera + ": unknown camera model '" + c.model + "'");
    }
    check_camera_intrinsics(cam, kColmapTag, cameras_file, camera);
    const auto& q = im.qvec;
    const double qn = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if (!(std::isfinite(qn) && qn > 1e-12)) {
      detail::fail_format(kColmapTag, images_file, image + ": QW QX QY QZ must be a finite non-zero quaternion, got norm " + number_text(qn));
    }
    cam.rotation = rotation_from_quaternion(q[0], q[1], q[2], q[3]);
    cam.translation = {im.tvec[0], im.tvec[1], im.tvec[2]};
    check_camera_pose(cam, kColmapTag, images_file, image);
    out.push_back(std::move(cam));
  }
  std::stable_sort(out.begin(), out.end(), [](const Camera& a, const Camera& b) { return a.name < b.name; });
  return out;
}

}  // namespace robomlx::splat
