// SPDX-License-Identifier: Apache-2.0
// COLMAP's binary model files. Every count a file declares is held against the bytes actually
// left before anything is reserved, so a lying header cannot make us allocate.
#include <bit>
#include <cmath>

#include "robomlx/core/input_policy.h"
#include "robomlx/splat/colmap_internal.h"

namespace robomlx::splat::detail {

static_assert(std::endian::native == std::endian::little, "COLMAP binary files are little-endian");

namespace {
// Smallest possible records: a camera without params; an image with a one-byte name and no
// keypoints; a point with an empty track.
constexpr std::uint64_t kMinCamera = 4 + 4 + 8 + 8;
constexpr std::uint64_t kMinImage = 4 + 4 * 8 + 3 * 8 + 4 + 2 + 8;
constexpr std::uint64_t kMinPoint = 8 + 3 * 8 + 3 + 8 + 8;
constexpr std::uint64_t kPoint2D = 8 + 8 + 8;
constexpr std::uint64_t kTrackEntry = 4 + 4;
}  // namespace

void ByteReader::need(std::uint64_t bytes, const std::string& field) const {
  if (bytes > left()) {
    fail("truncated: " + field + " needs " + std::to_string(bytes) + " bytes at offset " + std::to_string(pos_) +
         ", the file has " + std::to_string(left()) + " left");
  }
}

std::string_view ByteReader::until_nul(const std::string& field) {
  const std::size_t end = data_.find('\0', pos_);
  if (end == std::string_view::npos) fail("truncated: " + field + " has no terminating NUL byte");
  std::string_view s = data_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return s;
}

std::uint64_t ByteReader::count(const std::string& field, std::uint64_t min_record) {
  const auto n = get<std::uint64_t>(field);
  if (n > left() / min_record) {
    fail(field + " is " + std::to_string(n) + ", but " + std::to_string(left()) + " bytes are left (at least " +
         std::to_string(min_record) + " per record)");
  }
  return n;
}

void ByteReader::expect_end(const std::string& what) const {
  if (left() != 0) fail(std::to_string(left()) + " unexpected bytes after " + what);
}

std::vector<ColmapCamera> parse_cameras_binary(std::string_view data, const std::string& name) {
  ByteReader r(data, name);
  const std::uint64_t n = r.count("camera count", kMinCamera);
  std::vector<ColmapCamera> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string rec = "camera record " + std::to_string(i);
    ColmapCamera c;
    c.id = r.get<std::uint32_t>(rec + " id");
    const auto model_id = r.get<std::int32_t>(rec + " model id");
    const ColmapModelInfo* m = colmap_model_by_id(model_id);
    if (!m) {
      r.fail(rec + " (camera " + std::to_string(c.id) + "): unknown camera model id " + std::to_string(model_id) +
             " (known: 0-11: " + colmap_model_names() + ")");
    }
    c.model = m->name;
    c.width = r.get<std::uint64_t>(rec + " width");
    c.height = r.get<std::uint64_t>(rec + " height");
    c.params.resize(std::size_t(m->params));
    for (auto& p : c.params) p = r.get<double>(rec + " params");
    out.push_back(std::move(c));
  }
  r.expect_end(std::to_string(n) + " cameras");
  return out;
}

std::vector<ColmapImage> parse_images_binary(std::string_view data, const std::string& name) {
  ByteReader r(data, name);
  const std::uint64_t n = r.count("image count", kMinImage);
  std::vector<ColmapImage> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string rec = "image record " + std::to_string(i);
    ColmapImage im;
    im.id = r.get<std::uint32_t>(rec + " id");
    for (auto& q : im.qvec) q = r.get<double>(rec + " qvec");
    for (auto& t : im.tvec) t = r.get<double>(rec + " tvec");
    im.camera_id = r.get<std::uint32_t>(rec + " camera id");
    im.name = std::string(r.until_nul(rec + " name"));
    if (im.name.empty()) r.fail(rec + " (image " + std::to_string(im.id) + "): empty name");
    const std::uint64_t points = r.count(rec + " keypoint count", kPoint2D);
    r.skip(points * kPoint2D, rec + " keypoints");
    out.push_back(std::move(im));
  }
  r.expect_end(std::to_string(n) + " images");
  return out;
}

SfmPoints parse_points3d_binary(std::string_view data, const std::string& name) {
  ByteReader r(data, name);
  const std::uint64_t n = r.count("point count", kMinPoint);
  with_tag(kColmapTag, [&] {
    check_input_cap(InputCap::points, n, name, "points3D count " + std::to_string(n));
    return 0;
  });
  std::vector<float> xyz(n * 3);
  std::vector<std::uint8_t> rgb(n * 3);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string rec = "point record " + std::to_string(i);
    const auto id = r.get<std::uint64_t>(rec + " id");
    for (int k = 0; k < 3; ++k) {
      const double v = r.get<double>(rec + " xyz");
      xyz[i * 3 + k] = static_cast<float>(v);
      if (!std::isfinite(xyz[i * 3 + k])) {
        r.fail(rec + " (point " + std::to_string(id) + "): " + "XYZ"[k] + " must be a finite float32, got " +
               number_text(v));
      }
    }
    for (int k = 0; k < 3; ++k) rgb[i * 3 + k] = r.get<std::uint8_t>(rec + " rgb");
    r.get<double>(rec + " error");
    const std::uint64_t track = r.count(rec + " track length", kTrackEntry);
    r.skip(track * kTrackEntry, rec + " track");
  }
  r.expect_end(std::to_string(n) + " points");
  return make_points(xyz, rgb);
}

std::string encode_cameras_binary(const std::vector<ColmapCamera>& cameras) {
  std::string out;
  put<std::uint64_t>(out, cameras.size());
  for (const auto& c : cameras) {
    put<std::uint32_t>(out, c.id);
    put<std::int32_t>(out, colmap_model_by_name(c.model)->id);
    put<std::uint64_t>(out, c.width);
    put<std::uint64_t>(out, c.height);
    for (double p : c.params) put<double>(out, p);
  }
  return out;
}

std::string encode_images_binary(const std::vector<ColmapImage>& images) {
  std::string out;
  put<std::uint64_t>(out, images.size());
  for (const auto& im : images) {
    put<std::uint32_t>(out, im.id);
    for (double q : im.qvec) put<double>(out, q);
    for (double t : im.tvec) put<double>(out, t);
    put<std::uint32_t>(out, im.camera_id);
    out += im.name;
    out += '\0';
    put<std::uint64_t>(out, 0);  // no keypoints
  }
  return out;
}

std::string encode_points3d_binary(const float* xyz, const std::uint8_t* rgb, std::size_t n) {
  std::string out;
  put<std::uint64_t>(out, n);
  for (std::size_t i = 0; i < n; ++i) {
    put<std::uint64_t>(out, i + 1);
    for (int k = 0; k < 3; ++k) put<double>(out, xyz[i * 3 + k]);
    for (int k = 0; k < 3; ++k) put<std::uint8_t>(out, rgb[i * 3 + k]);
    put<double>(out, 0.0);           // reprojection error: not kept
    put<std::uint64_t>(out, 0);      // empty track
  }
  return out;
}

}  // namespace robomlx::splat::detail
