// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/bag_writer.h"

#include <bzlib.h>
#include <lz4frame.h>

#include <cstring>
#include <stdexcept>

namespace robomlx::depth {

namespace {

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void put_str(std::string& out, std::string_view s) {
  put(out, std::uint32_t(s.size()));
  out.append(s);
}

void put_field(std::string& header, std::string_view name, std::string_view value) {
  put(header, std::uint32_t(name.size() + 1 + value.size()));
  header.append(name);
  header += '=';
  header.append(value);
}

template <typename T>
std::string bytes_of(T v) {
  std::string s;
  put(s, v);
  return s;
}

void put_record(std::string& out, const std::string& header, std::string_view data) {
  put_str(out, header);
  put_str(out, data);
}

std::string connection_record(std::uint32_t id, const std::string& topic, const std::string& type) {
  std::string h, d;
  put_field(h, "op", std::string(1, char(0x07)));
  put_field(h, "conn", bytes_of(id));
  put_field(h, "topic", topic);
  put_field(d, "topic", topic);
  put_field(d, "type", type);
  put_field(d, "md5sum", "*");
  put_field(d, "message_definition", "");
  std::string out;
  put_record(out, h, d);
  return out;
}

std::string compress(const std::string& how, const std::string& in) {
  if (how == "none") return in;
  if (how == "lz4") {
    std::string out(LZ4F_compressFrameBound(in.size(), nullptr), '\0');
    size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
    if (LZ4F_isError(n)) throw std::runtime_error("[depth.bag_writer] lz4 compression failed");
    out.resize(n);
    return out;
  }
  if (how == "bz2") {
    unsigned n = static_cast<unsigned>(in.size() + in.size() / 100 + 700);
    std::string out(n, '\0');
    int rc = BZ2_bzBuffToBuffCompress(out.data(), &n, const_cast<char*>(in.data()), unsigned(in.size()), 9, 0, 0);
    if (rc != BZ_OK) throw std::runtime_error("[depth.bag_writer] bz2 compression failed");
    out.resize(n);
    return out;
  }
  throw std::invalid_argument("[depth.bag_writer] compression must be none, lz4 or bz2, got '" + how + "'");
}

}  // namespace

BagWriter::BagWriter(std::string compression) : compression_(std::move(compression)) { compress(compression_, ""); }

std::uint32_t BagWriter::connection(const std::string& topic, const std::string& type) {
  auto id = std::uint32_t(conns_.size());
  conns_.push_back({topic, type});
  chunk_ += connection_record(id, topic, type);
  return id;
}

void BagWriter::message(std::uint32_t connection, std::uint64_t time_ns, std::string_view data) {
  std::string h;
  put_field(h, "op", std::string(1, char(0x02)));
  put_field(h, "conn", bytes_of(connection));
  std::uint64_t t = (time_ns / 1000000000ull) | ((time_ns % 1000000000ull) << 32);
  put_field(h, "time", bytes_of(t));
  put_record(chunk_, h, data);
  ++messages_;
}

std::string BagWriter::finish() const {
  std::string out = "#ROSBAG V2.0\n";
  std::string h;
  put_field(h, "op", std::string(1, char(0x03)));
  put_field(h, "index_pos", bytes_of(std::uint64_t(0)));
  put_field(h, "conn_count", bytes_of(std::uint32_t(conns_.size())));
  put_field(h, "chunk_count", bytes_of(std::uint32_t(1)));
  put_record(out, h, "");
  std::string ch;
  put_field(ch, "op", std::string(1, char(0x05)));
  put_field(ch, "compression", compression_);
  put_field(ch, "size", bytes_of(std::uint32_t(chunk_.size())));
  put_record(out, ch, compress(compression_, chunk_));
  for (std::uint32_t i = 0; i < conns_.size(); ++i) out += connection_record(i, conns_[i].topic, conns_[i].type);
  return out;
}

namespace ros {

namespace {
void put_header(std::string& out, std::uint32_t seq, double stamp_ms) {
  put(out, seq);
  auto ns = static_cast<std::uint64_t>(stamp_ms * 1e6 + 0.5);
  put(out, std::uint32_t(ns / 1000000000ull));
  put(out, std::uint32_t(ns % 1000000000ull));
  put_str(out, "0");
}
}  // namespace

std::string encode_image(std::uint32_t seq, double stamp_ms, std::uint32_t width, std::uint32_t height,
                         const std::string& encoding, std::uint32_t step, std::string_view pixels) {
  std::string out;
  put_header(out, seq, stamp_ms);
  put(out, height);
  put(out, width);
  put_str(out, encoding);
  put(out, std::uint8_t(0));
  put(out, step);
  put_str(out, pixels);
  return out;
}

std::string encode_camera_info(std::uint32_t width, std::uint32_t height, const std::string& model,
                               const std::vector<double>& D, double fx, double fy, double ppx, double ppy) {
  std::string out;
  put_header(out, 0, 0);
  put(out, height);
  put(out, width);
  put_str(out, model);
  put(out, std::uint32_t(D.size()));
  for (double d : D) put(out, d);
  for (double k : {fx, 0.0, ppx, 0.0, fy, ppy, 0.0, 0.0, 1.0}) put(out, k);
  for (double r : {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0}) put(out, r);
  for (double p : {fx, 0.0, ppx, 0.0, 0.0, fy, ppy, 0.0, 0.0, 0.0, 1.0, 0.0}) put(out, p);
  for (int i = 0; i < 2 + 4; ++i) put(out, std::uint32_t(0));  // binning x/y, roi x/y/h/w
  put(out, std::uint8_t(0));                                    // roi.do_rectify
  return out;
}

std::string encode_transform(const std::array<double, 3>& translation, const std::array<double, 4>& q) {
  std::string out;
  for (double v : translation) put(out, v);
  for (double v : q) put(out, v);
  return out;
}

std::string encode_key_value(const std::string& key, const std::string& value) {
  std::string out;
  put_str(out, key);
  put_str(out, value);
  return out;
}

std::string encode_float32(float v) { return bytes_of(v); }

std::string encode_string(const std::string& s) {
  std::string out;
  put_str(out, s);
  return out;
}

std::string encode_uint32(std::uint32_t v) { return bytes_of(v); }

}  // namespace ros

}  // namespace robomlx::depth
