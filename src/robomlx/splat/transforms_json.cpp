// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/transforms_json.h"

#include <cmath>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/core/io/ply_detail.h"
#include "robomlx/splat/capture_image.h"
#include "robomlx/splat/splat_error_internal.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace robomlx::splat {

namespace {

constexpr const char* kTag = "splat.cameras";

class FrameReader {
 public:
  FrameReader(const json& top, const json& frame, const std::string& file, std::string where)
      : top_(top), frame_(frame), file_(file), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& what) const { detail::fail_format(kTag, file_, where_ + ": " + what); }

  /// The frame's value of `key`, else the top level's; a present value must be a finite number.
  std::optional<double> number(const char* key) const {
    const json* v = frame_.contains(key) ? &frame_[key] : top_.contains(key) ? &top_[key] : nullptr;
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_number()) fail(std::string("'") + key + "' must be a number, got " + v->dump().substr(0, 40));
    const double d = v->get<double>();
    if (!std::isfinite(d)) fail(std::string("'") + key + "' must be finite, got " + number_text(d));
    return d;
  }
  std::optional<int> size(const char* key) const {
    auto v = number(key);
    if (!v) return std::nullopt;
    if (!(*v >= 1 && *v <= 65535 && *v == std::floor(*v))) {
      fail(std::string("'") + key + "' must be an integer in [1, 65535], got " + number_text(*v));
    }
    return int(*v);
  }
  std::optional<std::string> string(const char* key) const {
    const json* v = frame_.contains(key) ? &frame_[key] : top_.contains(key) ? &top_[key] : nullptr;
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(std::string("'") + key + "' must be a string, got " + v->dump().substr(0, 40));
    return v->get<std::string>();
  }
  const json& frame() const { return frame_; }

 private:
  const json& top_;
  const json& frame_;
  const std::string& file_;
  std::string where_;
};

// base/file_path as it is if that exists, else with the first image extension that exists; else
// as written (with .png when it has no extension, graphdeco's Blender default) and missing.
std::string resolve_image(const fs::path& base, const std::string& file_path, bool& exists) {
  const fs::path p = base / file_path;
  std::error_code ec;
  exists = true;
  if (fs::is_regular_file(p, ec)) return p.string();
  for (const char* ext : {".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG"}) {
    fs::path q = p;
    q += ext;
    if (fs::is_regular_file(q, ec)) return q.string();
  }
  exists = false;
  return p.has_extension() ? p.string() : p.string() + ".png";
}

// Camera-to-world (OpenGL) -> our rotation (camera axes as columns, y and z negated) and centre.
void read_pose(const FrameReader& r, Camera& cam) {
  if (!r.frame().contains("transform_matrix")) r.fail("missing 'transform_matrix'");
  const json& m = r.frame()["transform_matrix"];
  const bool rows_ok = m.is_array() && (m.size() == 3 || m.size() == 4);
  double a[4][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}};
  for (std::size_t i = 0; rows_ok && i < m.size(); ++i) {
    if (!m[i].is_array() || m[i].size() != 4) r.fail("'transform_matrix' must be 4x4 (or 3x4) numbers");
    for (std::size_t j = 0; j < 4; ++j) {
      if (!m[i][j].is_number()) r.fail("'transform_matrix' must be 4x4 (or 3x4) numbers");
      a[i][j] = m[i][j].get<double>();
      if (!std::isfinite(a[i][j])) r.fail("'transform_matrix' must be finite");
    }
  }
  if (!rows_ok) r.fail("'transform_matrix' must be 4x4 (or 3x4) numbers");
  if (std::fabs(a[3][0]) + std::fabs(a[3][1]) + std::fabs(a[3][2]) + std::fabs(a[3][3] - 1) > 1e-6) {
    r.fail("'transform_matrix' last row must be 0 0 0 1 (a rigid camera-to-world transform)");
  }
  const Mat3 c2w{a[0][0], -a[0][1], -a[0][2], a[1][0], -a[1][1], -a[1][2], a[2][0], -a[2][1], -a[2][2]};
  set_camera_to_world(cam, c2w, {a[0][3], a[1][3], a[2][3]});
}

}  // namespace

TransformsCameras parse_transforms_json(std::string_view text, const std::string& name, const TransformsOptions& options) {
  const json top = detail::with_tag(kTag, [&] { return parse_json_text(text, name); });
  if (!top.is_object()) detail::fail_format(kTag, name, "the top level must be a JSON object");
  if (!top.contains("frames") || !top["frames"].is_array() || top["frames"].empty()) {
    detail::fail_format(kTag, name, "'frames' must be a non-empty array (no cameras)");
  }
  const fs::path base = fs::path(name).parent_path();
  TransformsCameras out;
  static const json kNoFrame = json::object();
  const FrameReader at_top(top, kNoFrame, name, "top level");
  if (auto model = at_top.string("camera_model")) {
    if (*model != "OPENCV" && *model != "PINHOLE" && *model != "SIMPLE_PINHOLE") {
      at_top.fail("camera_model " + *model + " is not a pinhole model (OPENCV, PINHOLE or SIMPLE_PINHOLE)");
    }
  }
  if (top.contains("ply_file_path")) {
    if (!top["ply_file_path"].is_string()) at_top.fail("'ply_file_path' must be a string");
    out.ply_file_path = (base / top["ply_file_path"].get<std::string>()).string();
  }
  const json& frames = top["frames"];
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!frames[i].is_object()) detail::fail_format(kTag, name, "frame " + std::to_string(i) + " must be an object");
    const json& f = frames[i];
    const std::string label = f.contains("file_path") && f["file_path"].is_string() ? f["file_path"].get<std::string>() : "";
    const FrameReader r(top, f, name, "frame " + std::to_string(i) + " ('" + label.substr(0, 80) + "')");
    if (!f.contains("file_path") || !f["file_path"].is_string() || label.empty()) r.fail("'file_path' must be a non-empty string");
    Camera cam;
    cam.name = label;
    bool exists = false;
    cam.image_path = resolve_image(base, label, exists);
    if (!exists && options.skip_missing_images) {
      out.skipped_images.push_back(cam.image_path);
      continue;
    }
    auto w = r.size("w"), h = r.size("h");
    if (!w || !h) {
      if (!exists) {
        detail::fail_format("splat.images", cam.image_path, "image file is missing (" + name + ", frame " +
                                                                std::to_string(i) + ", has no w/h: the image gives the size)");
      }
      const ImageHeader header = probe_capture_image(cam.image_path);
      w = w ? w : int(header.width);
      h = h ? h : int(header.height);
    }
    cam.width = *w, cam.height = *h;
    const auto angle_x = r.number("camera_angle_x"), angle_y = r.number("camera_angle_y");
    for (auto [key, angle] : {std::pair{"camera_angle_x", angle_x}, std::pair{"camera_angle_y", angle_y}}) {
      if (angle && !(*angle > 0 && *angle < M_PI)) r.fail(std::string("'") + key + "' must be in (0, pi) radians, got " + number_text(*angle));
    }
    auto fx = r.number("fl_x"), fy = r.number("fl_y");
    if (!fx && angle_x) fx = 0.5 * cam.width / std::tan(0.5 * *angle_x);
    if (!fy && angle_y) fy = 0.5 * cam.height / std::tan(0.5 * *angle_y);
    if (!fx) r.fail("no focal length: needs 'fl_x' or 'camera_angle_x'");
    cam.fx = *fx;
    cam.fy = fy ? *fy : *fx;
    cam.cx = r.number("cx").value_or(0.5 * cam.width);
    cam.cy = r.number("cy").value_or(0.5 * cam.height);
    for (const char* k : {"k1", "k2", "k3", "k4", "p1", "p2"}) {
      if (auto v = r.number(k); v && *v != 0) {
        r.fail(std::string("'") + k + "' = " + number_text(*v) + ": lens distortion is not supported; undistort the images first (and set the coefficients to 0)");
      }
    }
    if (auto model = r.string("camera_model"); model && *model != "OPENCV" && *model != "PINHOLE" && *model != "SIMPLE_PINHOLE") {
      r.fail("camera_model " + *model + " is not a pinhole model (OPENCV, PINHOLE or SIMPLE_PINHOLE)");
    }
    read_pose(r, cam);
    check_camera(cam, kTag, name, "frame " + std::to_string(i) + " ('" + label.substr(0, 80) + "')");
    out.cameras.push_back(std::move(cam));
  }
  return out;
}

TransformsCameras read_transforms_json(const std::string& path, const TransformsOptions& options) {
  const std::string text = detail::with_tag(kTag, [&] { return robomlx::detail::read_file_bytes(path); });
  return parse_transforms_json(text, path, options);
}

}  // namespace robomlx::splat
