// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/ros_msg.h"

#include <cstring>

#include "robomlx/core/error.h"

namespace robomlx::depth::ros {

void MsgReader::fail(const char* field, const std::string& what) const {
  throw FormatError(file_, where_ + ": " + type_ + " field '" + field + "' at message byte " + std::to_string(pos_) +
                               ": " + what);
}

std::string_view MsgReader::take(std::size_t n, const char* field) {
  if (data_.size() - pos_ < n)
    fail(field, "truncated: needs " + std::to_string(n) + " bytes, " + std::to_string(data_.size() - pos_) + " left");
  auto v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

std::uint8_t MsgReader::u8(const char* field) { return static_cast<std::uint8_t>(take(1, field)[0]); }

std::uint32_t MsgReader::u32(const char* field) {
  std::uint32_t v;
  std::memcpy(&v, take(4, field).data(), 4);
  return v;
}

float MsgReader::f32(const char* field) {
  float v;
  std::memcpy(&v, take(4, field).data(), 4);
  return v;
}

double MsgReader::f64(const char* field) {
  double v;
  std::memcpy(&v, take(8, field).data(), 8);
  return v;
}

std::string_view MsgReader::bytes(const char* field) {
  std::uint32_t n = u32(field);
  return take(n, field);
}

std::string MsgReader::str(const char* field) { return std::string(bytes(field)); }

std::vector<double> MsgReader::f64_array(const char* field) {
  std::uint32_t n = u32(field);
  if (n > (data_.size() - pos_) / 8)
    fail(field, "array of " + std::to_string(n) + " float64 runs past the message end");
  std::vector<double> v(n);
  for (auto& x : v) x = f64(field);
  return v;
}

namespace {
Header read_header(MsgReader& r) {
  Header h;
  h.seq = r.u32("header.seq");
  h.sec = r.u32("header.stamp.sec");
  h.nsec = r.u32("header.stamp.nsec");
  h.frame_id = r.str("header.frame_id");
  return h;
}
}  // namespace

Image decode_image(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "sensor_msgs/Image");
  Image im;
  im.header = read_header(r);
  im.height = r.u32("height");
  im.width = r.u32("width");
  im.encoding = r.str("encoding");
  im.is_bigendian = r.u8("is_bigendian");
  im.step = r.u32("step");
  im.data = r.bytes("data");
  return im;
}

CameraInfo decode_camera_info(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "sensor_msgs/CameraInfo");
  CameraInfo c;
  c.header = read_header(r);
  c.height = r.u32("height");
  c.width = r.u32("width");
  c.distortion_model = r.str("distortion_model");
  c.D = r.f64_array("D");
  for (auto& k : c.K) k = r.f64("K");
  for (auto& k : c.R) k = r.f64("R");
  for (auto& k : c.P) k = r.f64("P");
  // binning and ROI follow; librealsense ignores them and so do we.
  return c;
}

Transform decode_transform(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "geometry_msgs/Transform");
  Transform t;
  for (auto& v : t.translation) v = r.f64("translation");
  for (auto& v : t.rotation) v = r.f64("rotation");
  return t;
}

KeyValue decode_key_value(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "diagnostic_msgs/KeyValue");
  KeyValue kv;
  kv.key = r.str("key");
  kv.value = r.str("value");
  return kv;
}

float decode_float32(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "std_msgs/Float32");
  return r.f32("data");
}

std::string decode_string(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "std_msgs/String");
  return r.str("data");
}

std::uint32_t decode_uint32(std::string_view msg, const std::string& file, const std::string& where) {
  MsgReader r(msg, file, where, "std_msgs/UInt32");
  return r.u32("data");
}

}  // namespace robomlx::depth::ros
