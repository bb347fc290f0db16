// SPDX-License-Identifier: Apache-2.0
// COLMAP models: the model table, reading a folder (binary preferred) and writing one (checked
// as a whole first, then each file atomically).
#include "robomlx/splat/colmap.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/ply_detail.h"
#include "robomlx/splat/colmap_internal.h"

namespace fs = std::filesystem;

namespace robomlx::splat {

namespace detail {

const ColmapModelInfo* colmap_model_by_name(std::string_view name) {
  for (const auto& m : kColmapModels) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

const ColmapModelInfo* colmap_model_by_id(std::int64_t id) {
  for (const auto& m : kColmapModels) {
    if (id == m.id) return &m;
  }
  return nullptr;
}

std::string colmap_model_names() {
  std::string s;
  for (const auto& m : kColmapModels) s += (s.empty() ? "" : ", ") + std::string(m.name);
  return s;
}

SfmPoints make_points(const std::vector<float>& xyz, const std::vector<std::uint8_t>& rgb) {
  const int n = int(xyz.size() / 3);
  SfmPoints p;
  p.xyz = mx::array(xyz.data(), {n, 3}, mx::float32);
  p.rgb = mx::array(rgb.data(), {n, 3}, mx::uint8);
  return p;
}

std::string exact_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

}  // namespace detail

namespace {

using namespace detail;

// The host rows of a point set: checked shapes, evaluated on the CPU.
struct HostPoints {
  mx::array xyz, rgb;
  explicit HostPoints(const SfmPoints& p)
      : xyz(mx::contiguous(mx::astype(p.xyz, mx::float32), false, mx::Device::cpu)),
        rgb(mx::contiguous(mx::astype(p.rgb, mx::uint8), false, mx::Device::cpu)) {
    check_shape(kColmapTag, "points.xyz", p.xyz, {-1, 3});
    check_shape(kColmapTag, "points.rgb", p.rgb, {p.xyz.shape(0), 3});
    mx::eval(xyz, rgb);
  }
  std::size_t size() const { return std::size_t(xyz.shape(0)); }
};

std::string read_whole(const std::string& path) { return with_tag(kColmapTag, [&] { return robomlx::detail::read_file_bytes(path); }); }

std::set<std::uint32_t> check_cameras(const std::vector<ColmapCamera>& cameras) {
  std::set<std::uint32_t> ids;
  for (const auto& c : cameras) {
    const std::string what = "camera " + std::to_string(c.id);
    if (!ids.insert(c.id).second) fail_argument(kColmapTag, what + ": id is used twice");
    const ColmapModelInfo* info = colmap_model_by_name(c.model);
    if (!info) fail_argument(kColmapTag, what + ": model must be one of " + colmap_model_names() + ", got '" + c.model + "'");
    if (c.params.size() != std::size_t(info->params)) {
      fail_argument(kColmapTag, what + ": model " + c.model + " needs " + std::to_string(info->params) +
                                    " params, got " + std::to_string(c.params.size()));
    }
    for (double p : c.params) check_finite(kColmapTag, what + " params", p);
  }
  return ids;
}

// `cameras`: the ids images may refer to; nullptr when encoding images alone.
void check_images(const std::vector<ColmapImage>& images, const std::set<std::uint32_t>* cameras) {
  std::set<std::uint32_t> ids;
  for (const auto& im : images) {
    const std::string what = "image " + std::to_string(im.id);
    if (!ids.insert(im.id).second) fail_argument(kColmapTag, what + ": id is used twice");
    if (cameras && !cameras->count(im.camera_id)) {
      fail_argument(kColmapTag, what + ": camera " + std::to_string(im.camera_id) + " is not in the model");
    }
    const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    if (im.name.empty() || im.name.find_first_of(std::string("\n\r\0", 3)) != std::string::npos ||
        space(im.name.front()) || space(im.name.back())) {
      fail_argument(kColmapTag, what + ": name must be non-empty, without line breaks, NUL bytes or surrounding "
                                       "spaces, got '" + im.name + "'");
    }
    for (double v : im.qvec) check_finite(kColmapTag, what + " qvec", v);
    for (double v : im.tvec) check_finite(kColmapTag, what + " tvec", v);
  }
}

void check_points(const HostPoints& points) {
  const float* xyz = points.xyz.data<float>();
  for (std::size_t i = 0; i < points.size() * 3; ++i) {
    check_finite(kColmapTag, "point " + std::to_string(i / 3) + " xyz", xyz[i]);
  }
}

}  // namespace

int colmap_model_param_count(std::string_view model) {
  const auto* m = colmap_model_by_name(model);
  return m ? m->params : 0;
}

std::vector<ColmapCamera> parse_colmap_cameras(std::string_view data, ColmapFormat format, const std::string& name) {
  return format == ColmapFormat::text ? parse_cameras_text(data, name) : parse_cameras_binary(data, name);
}
std::vector<ColmapImage> parse_colmap_images(std::string_view data, ColmapFormat format, const std::string& name) {
  return format == ColmapFormat::text ? parse_images_text(data, name) : parse_images_binary(data, name);
}
SfmPoints parse_colmap_points3d(std::string_view data, ColmapFormat format, const std::string& name) {
  return format == ColmapFormat::text ? parse_points3d_text(data, name) : parse_points3d_binary(data, name);
}

std::string encode_colmap_cameras(const std::vector<ColmapCamera>& cameras, ColmapFormat format) {
  check_cameras(cameras);
  return format == ColmapFormat::text ? encode_cameras_text(cameras) : encode_cameras_binary(cameras);
}
std::string encode_colmap_images(const std::vector<ColmapImage>& images, ColmapFormat format) {
  check_images(images, nullptr);  // alone, camera ids cannot be checked
  return format == ColmapFormat::text ? encode_images_text(images) : encode_images_binary(images);
}
std::string encode_colmap_points3d(const SfmPoints& points, ColmapFormat format) {
  HostPoints h(points);
  check_points(h);
  return format == ColmapFormat::text ? encode_points3d_text(h.xyz.data<float>(), h.rgb.data<std::uint8_t>(), h.size())
                                      : encode_points3d_binary(h.xyz.data<float>(), h.rgb.data<std::uint8_t>(), h.size());
}

ColmapModel read_colmap_model(const std::string& dir) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(dir) / "cameras.bin", ec)) return read_colmap_model(dir, ColmapFormat::binary);
  if (fs::is_regular_file(fs::path(dir) / "cameras.txt", ec)) return read_colmap_model(dir, ColmapFormat::text);
  fail_format(kColmapTag, dir, "not a COLMAP model folder: neither cameras.bin nor cameras.txt is there");
}

ColmapModel read_colmap_model(const std::string& dir, ColmapFormat format) {
  const std::string ext = format == ColmapFormat::text ? ".txt" : ".bin";
  ColmapModel m;
  m.cameras_file = (fs::path(dir) / ("cameras" + ext)).string();
  m.images_file = (fs::path(dir) / ("images" + ext)).string();
  m.cameras = parse_colmap_cameras(read_whole(m.cameras_file), format, m.cameras_file);
  m.images = parse_colmap_images(read_whole(m.images_file), format, m.images_file);
  const fs::path points = fs::path(dir) / ("points3D" + ext);
  std::error_code ec;
  if (fs::exists(points, ec)) {
    m.points_file = points.string();
    m.points = parse_colmap_points3d(read_whole(m.points_file), format, m.points_file);
  }
  return m;
}

void write_colmap_model(const std::string& dir, const ColmapModel& model, ColmapFormat format) {
  const HostPoints points(model.points);
  const auto camera_ids = check_cameras(model.cameras);
  check_images(model.images, &camera_ids);
  check_points(points);
  const bool text = format == ColmapFormat::text;
  const std::string cameras = text ? encode_cameras_text(model.cameras) : encode_cameras_binary(model.cameras);
  const std::string images = text ? encode_images_text(model.images) : encode_images_binary(model.images);
  const float* xyz = points.xyz.data<float>();
  const auto* rgb = points.rgb.data<std::uint8_t>();
  const std::string pts = text ? encode_points3d_text(xyz, rgb, points.size()) : encode_points3d_binary(xyz, rgb, points.size());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("[splat.colmap] cannot create folder " + dir + ": " + ec.message());
  const std::string ext = text ? ".txt" : ".bin";
  write_file_atomically((fs::path(dir) / ("cameras" + ext)).string(), cameras);
  write_file_atomically((fs::path(dir) / ("images" + ext)).string(), images);
  write_file_atomically((fs::path(dir) / ("points3D" + ext)).string(), pts);
}

}  // namespace robomlx::splat
