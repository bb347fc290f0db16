// SPDX-License-Identifier: Apache-2.0
// Private to colmap*.cpp: the camera-model table, the text and binary codecs, and the checks
// the writer and the reader share.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "robomlx/splat/colmap.h"
#include "robomlx/splat/splat_error_internal.h"

namespace robomlx::splat::detail {

inline constexpr const char* kColmapTag = "splat.colmap";

struct ColmapModelInfo {
  const char* name;
  int id;
  int params;
};
/// COLMAP's models (src/colmap/sensor/models.h ids). Only the first two have no distortion.
inline constexpr ColmapModelInfo kColmapModels[] = {
    {"SIMPLE_PINHOLE", 0, 3}, {"PINHOLE", 1, 4},         {"SIMPLE_RADIAL", 2, 4},          {"RADIAL", 3, 5},
    {"OPENCV", 4, 8},         {"OPENCV_FISHEYE", 5, 8},  {"FULL_OPENCV", 6, 12},           {"FOV", 7, 5},
    {"SIMPLE_RADIAL_FISHEYE", 8, 4}, {"RADIAL_FISHEYE", 9, 5}, {"THIN_PRISM_FISHEYE", 10, 12},
    {"RAD_TAN_THIN_PRISM_FISHEYE", 11, 16},
};
const ColmapModelInfo* colmap_model_by_name(std::string_view name);
const ColmapModelInfo* colmap_model_by_id(std::int64_t id);
std::string colmap_model_names();  // "SIMPLE_PINHOLE, PINHOLE, ..." for messages

std::vector<ColmapCamera> parse_cameras_text(std::string_view data, const std::string& name);
std::vector<ColmapImage> parse_images_text(std::string_view data, const std::string& name);
SfmPoints parse_points3d_text(std::string_view data, const std::string& name);
std::vector<ColmapCamera> parse_cameras_binary(std::string_view data, const std::string& name);
std::vector<ColmapImage> parse_images_binary(std::string_view data, const std::string& name);
SfmPoints parse_points3d_binary(std::string_view data, const std::string& name);

std::string encode_cameras_text(const std::vector<ColmapCamera>& cameras);
std::string encode_images_text(const std::vector<ColmapImage>& images);
std::string encode_points3d_text(const float* xyz, const std::uint8_t* rgb, std::size_t n);
std::string encode_cameras_binary(const std::vector<ColmapCamera>& cameras);
std::string encode_images_binary(const std::vector<ColmapImage>& images);
std::string encode_points3d_binary(const float* xyz, const std::uint8_t* rgb, std::size_t n);

/// Builds SfmPoints from host rows (xyz float32 [n*3], rgb [n*3]).
SfmPoints make_points(const std::vector<float>& xyz, const std::vector<std::uint8_t>& rgb);

/// A double as text that reads back to the same bits (shortest round-trip form).
std::string exact_text(double v);

/// Little-endian byte cursor over a binary COLMAP file: every read is bounds-checked and a
/// short file fails naming the field and the offset.
class ByteReader {
 public:
  ByteReader(std::string_view data, const std::string& name) : data_(data), name_(name) {}
  template <typename T>
  T get(const std::string& field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  void skip(std::uint64_t bytes, const std::string& field) {
    need(bytes, field);
    pos_ += bytes;
  }
  std::string_view until_nul(const std::string& field);
  std::uint64_t left() const { return data_.size() - pos_; }
  std::size_t offset() const { return pos_; }
  /// A count read from the file that must fit in the bytes left at `min_record` bytes each.
  std::uint64_t count(const std::string& field, std::uint64_t min_record);
  [[noreturn]] void fail(const std::string& what) const { fail_format(kColmapTag, name_, what); }
  void expect_end(const std::string& what) const;

 private:
  void need(std::uint64_t bytes, const std::string& field) const;
  std::string_view data_;
  std::string name_;
  std::size_t pos_ = 0;
};

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace robomlx::splat::detail
