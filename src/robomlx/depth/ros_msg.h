// SPDX-License-Identifier: Apache-2.0
// Decoders for the ROS1 messages librealsense writes into .bag files. ROS1 serialisation is
// little-endian, strings and variable arrays carry a uint32 count, fixed arrays (CameraInfo's K,
// R, P) carry none. Every read is bounds-checked: a short or inconsistent message throws
// FormatError(file, "<where>: <type> field '<name>' at message byte N: ...").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace robomlx::depth::ros {

/// Bounds-checked cursor over one serialised message.
class MsgReader {
 public:
  MsgReader(std::string_view data, const std::string& file, std::string where, std::string type)
      : data_(data), file_(file), where_(std::move(where)), type_(std::move(type)) {}
  std::uint8_t u8(const char* field);
  std::uint32_t u32(const char* field);
  float f32(const char* field);
  double f64(const char* field);
  std::string str(const char* field);
  /// uint32 byte count followed by the bytes (uint8[]); a view into the message.
  std::string_view bytes(const char* field);
  /// uint32 count of float64 values followed by them.
  std::vector<double> f64_array(const char* field);
  [[noreturn]] void fail(const char* field, const std::string& what) const;

 private:
  std::string_view take(std::size_t n, const char* field);
  std::string_view data_;
  std::size_t pos_ = 0;
  const std::string& file_;
  std::string where_, type_;
};

struct Header {  // std_msgs/Header
  std::uint32_t seq = 0;
  std::uint32_t sec = 0, nsec = 0;
  std::string frame_id;
  double stamp_ms() const { return sec * 1e3 + nsec * 1e-6; }
};

struct Image {  // sensor_msgs/Image
  Header header;
  std::uint32_t height = 0, width = 0;
  std::string encoding;  // "mono16", "16UC1", "rgb8", "bgr8", "rgba8", "bgra8", "mono8", ...
  std::uint8_t is_bigendian = 0;
  std::uint32_t step = 0;  // bytes per row
  std::string_view data;   // view into the message
};

struct CameraInfo {  // sensor_msgs/CameraInfo
  Header header;
  std::uint32_t height = 0, width = 0;
  std::string distortion_model;
  std::vector<double> D;
  std::array<double, 9> K{}, R{};
  std::array<double, 12> P{};
};

struct Transform {  // geometry_msgs/Transform
  std::array<double, 3> translation{};
  std::array<double, 4> rotation{0, 0, 0, 1};  // quaternion x, y, z, w
};

struct KeyValue {  // diagnostic_msgs/KeyValue
  std::string key, value;
};

Image decode_image(std::string_view msg, const std::string& file, const std::string& where);
CameraInfo decode_camera_info(std::string_view msg, const std::string& file, const std::string& where);
Transform decode_transform(std::string_view msg, const std::string& file, const std::string& where);
KeyValue decode_key_value(std::string_view msg, const std::string& file, const std::string& where);
float decode_float32(std::string_view msg, const std::string& file, const std::string& where);
std::string decode_string(std::string_view msg, const std::string& file, const std::string& where);
std::uint32_t decode_uint32(std::string_view msg, const std::string& file, const std::string& where);

}  // namespace robomlx::depth::ros
