// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/cameras_json.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "robomlx/core/check.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/core/io/ply_detail.h"
#include "robomlx/splat/splat_error_internal.h"

using nlohmann::json;

namespace robomlx::splat {

namespace {

constexpr const char* kTag = "splat.cameras";

double number(const json& e, const char* key, const std::string& name, const std::string& where) {
  if (!e.contains(key)) detail::fail_format(kTag, name, where + ": missing '" + key + "'");
  const json& v = e[key];
  if (!v.is_number()) detail::fail_format(kTag, name, where + ": '" + key + "' must be a number, got " + v.dump().substr(0, 40));
  return v.get<double>();
}

int image_size(const json& e, const char* key, const std::string& name, const std::string& where) {
  const double v = number(e, key, name, where);
  if (!(v >= 1 && v <= 65535 && v == std::floor(v))) {
    detail::fail_format(kTag, name, where + ": '" + key + "' must be an integer in [1, 65535], got " + number_text(v));
  }
  return int(v);
}

}  // namespace

std::vector<Camera> parse_cameras_json(std::string_view text, const std::string& name) {
  const json top = detail::with_tag(kTag, [&] { return parse_json_text(text, name); });
  if (!top.is_array()) detail::fail_format(kTag, name, "the top level must be a JSON array of cameras");
  std::vector<Camera> out;
  for (std::size_t i = 0; i < top.size(); ++i) {
    const json& e = top[i];
    std::string where = "camera " + std::to_string(i);
    if (!e.is_object()) detail::fail_format(kTag, name, where + " must be an object");
    if (!e.contains("img_name") || !e["img_name"].is_string()) detail::fail_format(kTag, name, where + ": 'img_name' must be a string");
    Camera cam;
    cam.name = e["img_name"].get<std::string>();
    where += " ('" + cam.name.substr(0, 80) + "')";
    cam.width = image_size(e, "width", name, where);
    cam.height = image_size(e, "height", name, where);
    cam.fx = number(e, "fx", name, where);
    cam.fy = number(e, "fy", name, where);
    cam.cx = 0.5 * cam.width;
    cam.cy = 0.5 * cam.height;
    const auto bad_shape = [&](const char* key) {
      detail::fail_format(kTag, name, where + ": '" + key + "' must be " + (key[0] == 'p' ? "3 numbers" : "3 rows of 3 numbers"));
    };
    if (!e.contains("position") || !e["position"].is_array() || e["position"].size() != 3) bad_shape("position");
    if (!e.contains("rotation") || !e["rotation"].is_array() || e["rotation"].size() != 3) bad_shape("rotation");
    Vec3 c{};
    Mat3 r{};
    for (int k = 0; k < 3; ++k) {
      if (!e["position"][k].is_number()) bad_shape("position");
      c[k] = e["position"][k].get<double>();
      const json& row = e["rotation"][k];
      if (!row.is_array() || row.size() != 3) bad_shape("rotation");
      for (int j = 0; j < 3; ++j) {
        if (!row[j].is_number()) bad_shape("rotation");
        r[k * 3 + j] = row[j].get<double>();
      }
    }
    set_camera_to_world(cam, r, c);
    check_camera(cam, kTag, name, where);
    out.push_back(std::move(cam));
  }
  return out;
}

std::vector<Camera> read_cameras_json(const std::string& path) {
  const std::string text = detail::with_tag(kTag, [&] { return robomlx::detail::read_file_bytes(path); });
  return parse_cameras_json(text, path);
}

std::string encode_cameras_json(const std::vector<Camera>& cameras) {
  json out = json::array();
  for (std::size_t i = 0; i < cameras.size(); ++i) {
    const Camera& cam = cameras[i];
    const std::string where = "camera " + std::to_string(i) + " ('" + cam.name + "')";
    try {
      check_camera(cam, kTag, "cameras", where);
    } catch (const FormatError& e) {
      throw std::invalid_argument(e.what());
    }
    if (cam.cx != 0.5 * cam.width || cam.cy != 0.5 * cam.height) {
      fail_argument(kTag, where + ": cameras.json has no principal point; cx, cy must be width/2, height/2, got " +
                              number_text(cam.cx) + ", " + number_text(cam.cy));
    }
    const Vec3 c = cam.center();
    const auto& r = cam.rotation;  // world to camera; the file wants its transpose, as rows
    out.push_back({{"id", i},
                   {"img_name", cam.name},
                   {"width", cam.width},
                   {"height", cam.height},
                   {"position", {c[0], c[1], c[2]}},
                   {"rotation", {{r[0], r[3], r[6]}, {r[1], r[4], r[7]}, {r[2], r[5], r[8]}}},
                   {"fy", cam.fy},
                   {"fx", cam.fx}});
  }
  return out.dump();
}

void write_cameras_json(const std::string& path, const std::vector<Camera>& cameras) {
  write_file_atomically(path, encode_cameras_json(cameras));
}

}  // namespace robomlx::splat
