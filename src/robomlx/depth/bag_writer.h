// SPDX-License-Identifier: Apache-2.0
// Minimal ROS1 bag v2.0 writer plus encoders for the messages recording.h reads. It exists to
// synthesise small recordings for tests, fuzz seeds and benchmarks (librealsense's own writer
// is the reference for real files); output is one chunk followed by the connection records.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace robomlx::depth {

class BagWriter {
 public:
  /// compression: "none", "lz4" (LZ4 frame, as roslz4) or "bz2".
  explicit BagWriter(std::string compression = "none");
  /// Adds a connection and returns its id.
  std::uint32_t connection(const std::string& topic, const std::string& type);
  void message(std::uint32_t connection, std::uint64_t time_ns, std::string_view data);
  /// The complete file.
  std::string finish() const;

 private:
  struct Conn {
    std::string topic, type;
  };
  std::string compression_;
  std::vector<Conn> conns_;
  std::string chunk_;  // uncompressed chunk body
  std::uint32_t messages_ = 0;
};

namespace ros {
std::string encode_image(std::uint32_t seq, double stamp_ms, std::uint32_t width, std::uint32_t height,
                         const std::string& encoding, std::uint32_t step, std::string_view pixels);
/// K = [fx 0 ppx; 0 fy ppy; 0 0 1].
std::string encode_camera_info(std::uint32_t width, std::uint32_t height, const std::string& model,
                               const std::vector<double>& D, double fx, double fy, double ppx, double ppy);
std::string encode_transform(const std::array<double, 3>& translation, const std::array<double, 4>& quaternion_xyzw);
std::string encode_key_value(const std::string& key, const std::string& value);
std::string encode_float32(float v);
std::string encode_string(const std::string& s);
std::string encode_uint32(std::uint32_t v);
}  // namespace ros

}  // namespace robomlx::depth
