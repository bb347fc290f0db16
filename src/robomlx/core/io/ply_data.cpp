// SPDX-License-Identifier: Apache-2.0
// PlyData accessors (columns to mx::array, converted on the host so float64 files work on any
// device) and the PLY writer.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/core/io/ply_detail.h"

namespace robomlx {

namespace {
constexpr const char* kTag = "core.io.ply";

template <typename T>
T saturate(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isfinite(v) && std::fabs(v) > double(std::numeric_limits<T>::max())) {
      return v > 0 ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
    }
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return T(0);
    v = std::clamp(std::round(v), double(std::numeric_limits<T>::min()), double(std::numeric_limits<T>::max()));
    return static_cast<T>(v);
  }
}

// [N, k] host table of `cols` converted to T, interleaved by row.
template <typename T>
mx::array interleave(const std::vector<const PlyProperty*>& cols, std::size_t n, mx::Dtype dtype, double scale = 1) {
  std::vector<T> out(n * cols.size());
  for (std::size_t j = 0; j < cols.size(); ++j) {
    const auto* c = cols[j];
    std::size_t sz = ply_type_size(c->type);
    for (std::size_t i = 0; i < n; ++i) {
      out[i * cols.size() + j] = saturate<T>(detail::load_as_double(c->type, c->bytes.data() + i * sz) * scale);
    }
  }
  return mx::array(out.data(), mx::Shape{int(n), int(cols.size())}, dtype);
}

std::optional<PlyType> ply_type_of(mx::Dtype d) {
  switch (d) {
    case mx::int8: return PlyType::Int8;
    case mx::uint8: return PlyType::UInt8;
    case mx::int16: return PlyType::Int16;
    case mx::uint16: return PlyType::UInt16;
    case mx::int32: return PlyType::Int32;
    case mx::uint32: return PlyType::UInt32;
    case mx::float32: return PlyType::Float32;
    case mx::float64: return PlyType::Float64;
    default: return std::nullopt;
  }
}

void append_ascii(std::string& out, PlyType t, const std::uint8_t* p) {
  char buf[64];
  std::to_chars_result r{};
  auto put = [&](auto v) {
    std::memcpy(&v, p, sizeof(v));
    if constexpr (sizeof(v) == 1) {
      r = std::to_chars(buf, buf + sizeof(buf), int(v));
    } else {
      r = std::to_chars(buf, buf + sizeof(buf), v);
    }
  };
  switch (t) {
    case PlyType::Int8: put(std::int8_t{}); break;
    case PlyType::UInt8: put(std::uint8_t{}); break;
    case PlyType::Int16: put(std::int16_t{}); break;
    case PlyType::UInt16: put(std::uint16_t{}); break;
    case PlyType::Int32: put(std::int32_t{}); break;
    case PlyType::UInt32: put(std::uint32_t{}); break;
    case PlyType::Float32: put(float{}); break;
    case PlyType::Float64: put(double{}); break;
  }
  out.append(buf, r.ptr);
}
}  // namespace

const char* ply_type_name(PlyType type) {
  switch (type) {
    case PlyType::Int8: return "char";
    case PlyType::UInt8: return "uchar";
    case PlyType::Int16: return "short";
    case PlyType::UInt16: return "ushort";
    case PlyType::Int32: return "int";
    case PlyType::UInt32: return "uint";
    case PlyType::Float32: return "float";
    case PlyType::Float64: return "double";
  }
  return "?";
}

std::size_t ply_type_size(PlyType type) {
  switch (type) {
    case PlyType::Int8:
    case PlyType::UInt8: return 1;
    case PlyType::Int16:
    case PlyType::UInt16: return 2;
    case PlyType::Int32:
    case PlyType::UInt32:
    case PlyType::Float32: return 4;
    case PlyType::Float64: return 8;
  }
  return 1;
}

mx::Dtype ply_type_dtype(PlyType type) {
  switch (type) {
    case PlyType::Int8: return mx::int8;
    case PlyType::UInt8: return mx::uint8;
    case PlyType::Int16: return mx::int16;
    case PlyType::UInt16: return mx::uint16;
    case PlyType::Int32: return mx::int32;
    case PlyType::UInt32: return mx::uint32;
    case PlyType::Float32: return mx::float32;
    case PlyType::Float64: return mx::float64;
  }
  return mx::float32;
}

const PlyProperty* PlyData::find(const std::string& name) const {
  for (const auto& p : properties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> PlyData::names() const {
  std::vector<std::string> out;
  for (const auto& p : properties) out.push_back(p.name);
  return out;
}

const PlyProperty& PlyData::at(const std::string& name) const {
  if (const auto* p = find(name)) return *p;
  std::string all;
  for (const auto& p : properties) all += (all.empty() ? "" : " ") + p.name;
  fail_argument(kTag, "no vertex property '" + name + "'; available: " + (all.empty() ? "(none)" : all));
}

mx::array PlyData::column(const std::string& name) const {
  const auto& p = at(name);
  // The typed iterator constructor always copies (the void* one may alias on Metal).
  mx::Shape shape{int(count)};
  const auto* b = p.bytes.data();
  switch (p.type) {
    case PlyType::Int8: return mx::array(reinterpret_cast<const std::int8_t*>(b), shape, mx::int8);
    case PlyType::UInt8: return mx::array(b, shape, mx::uint8);
    case PlyType::Int16: return mx::array(reinterpret_cast<const std::int16_t*>(b), shape, mx::int16);
    case PlyType::UInt16: return mx::array(reinterpret_cast<const std::uint16_t*>(b), shape, mx::uint16);
    case PlyType::Int32: return mx::array(reinterpret_cast<const std::int32_t*>(b), shape, mx::int32);
    case PlyType::UInt32: return mx::array(reinterpret_cast<const std::uint32_t*>(b), shape, mx::uint32);
    case PlyType::Float32: return mx::array(reinterpret_cast<const float*>(b), shape, mx::float32);
    case PlyType::Float64: return mx::array(reinterpret_cast<const double*>(b), shape, mx::float64);
  }
  return mx::array(reinterpret_cast<const float*>(b), shape, mx::float32);
}

mx::array PlyData::columns(const std::vector<std::string>& names, mx::Dtype dtype) const {
  std::vector<const PlyProperty*> cols;
  for (const auto& n : names) cols.push_back(&at(n));
  switch (dtype) {
    case mx::float32: return interleave<float>(cols, count, dtype);
    case mx::float64: return interleave<double>(cols, count, dtype);
    case mx::uint8: return interleave<std::uint8_t>(cols, count, dtype);
    case mx::int32: return interleave<std::int32_t>(cols, count, dtype);
    default: fail_argument(kTag, "columns dtype must be float32, float64, uint8 or int32, got " + dtype_name(dtype));
  }
}

mx::array PlyData::positions() const { return columns({"x", "y", "z"}); }

std::optional<mx::array> PlyData::colors() const {
  const auto* r = find("red");
  if (!r || !has("green") || !has("blue")) return std::nullopt;
  bool is_float = r->type == PlyType::Float32 || r->type == PlyType::Float64;
  std::vector<const PlyProperty*> cols{r, &at("green"), &at("blue")};
  return interleave<std::uint8_t>(cols, count, mx::uint8, is_float ? 255.0 : 1.0);
}

std::optional<mx::array> PlyData::normals() const {
  if (!has("nx") || !has("ny") || !has("nz")) return std::nullopt;
  return columns({"nx", "ny", "nz"});
}

mx::array PlyData::opacity() const { return mx::reshape(columns({"opacity"}), {int(count)}); }

mx::array PlyData::sh_rest() const {
  std::vector<std::string> names;
  for (int k = 0;; ++k) {
    std::string n = "f_rest_" + std::to_string(k);
    if (!has(n)) break;
    names.push_back(n);
  }
  if (names.empty()) return mx::zeros({int(count), 0}, mx::float32);
  return columns(names);
}

void PlyData::set(const std::string& name, const mx::array& values) {
  if (name.empty() || std::any_of(name.begin(), name.end(), [](char c) { return c <= ' ' || c >= 127; })) {
    fail_argument(kTag, "property name must be non-empty printable ASCII without spaces, got '" + name + "'");
  }
  if (!(values.ndim() == 1 || (values.ndim() == 2 && values.shape(1) == 1))) {
    fail_argument(kTag, "property '" + name + "' must have shape [N] or [N, 1], got " + shape_string(values.shape()));
  }
  mx::array v = values.dtype() == mx::bool_ ? mx::astype(values, mx::uint8, mx::Device::cpu) : values;
  auto type = ply_type_of(v.dtype());
  if (!type) {
    fail_argument(kTag, "property '" + name + "' dtype must be int8, uint8, int16, uint16, int32, uint32, "
                        "float32, float64 or bool, got " + dtype_name(values.dtype()));
  }
  std::size_t n = std::size_t(v.shape(0));
  if (properties.empty()) count = n;
  if (n != count) {
    fail_argument(kTag, "property '" + name + "' must have " + std::to_string(count) + " rows, got " + std::to_string(n));
  }
  v = mx::contiguous(mx::reshape(v, {int(n)}, mx::Device::cpu), false, mx::Device::cpu);
  mx::eval(v);
  PlyProperty p{name, *type, {}};
  const auto* src = v.data<std::uint8_t>();
  p.bytes.assign(src, src + n * ply_type_size(*type));
  for (auto& q : properties) {
    if (q.name == name) {
      q = std::move(p);
      return;
    }
  }
  properties.push_back(std::move(p));
}

std::string encode_ply(const PlyData& data, PlyFormat format) {
  std::size_t stride = 0;
  for (const auto& p : data.properties) {
    if (p.bytes.size() != data.count * ply_type_size(p.type)) {
      fail_argument(kTag, "property '" + p.name + "' holds " + std::to_string(p.bytes.size()) + " bytes, expected " +
                              std::to_string(data.count * ply_type_size(p.type)));
    }
    stride += ply_type_size(p.type);
  }
  const char* fmt = format == PlyFormat::Ascii ? "ascii"
                    : format == PlyFormat::BinaryBigEndian ? "binary_big_endian"
                                                           : "binary_little_endian";
  std::string out = std::string("ply\nformat ") + fmt + " 1.0\ncomment written by robomlx\nelement vertex " +
                    std::to_string(data.count) + "\n";
  for (const auto& p : data.properties) out += std::string("property ") + ply_type_name(p.type) + " " + p.name + "\n";
  out += "end_header\n";
  if (format == PlyFormat::Ascii) {
    for (std::size_t i = 0; i < data.count; ++i) {
      for (std::size_t k = 0; k < data.properties.size(); ++k) {
        const auto& p = data.properties[k];
        if (k) out += ' ';
        append_ascii(out, p.type, p.bytes.data() + i * ply_type_size(p.type));
      }
      out += '\n';
    }
    return out;
  }
  bool swap = (format == PlyFormat::BinaryBigEndian) != (std::endian::native == std::endian::big);
  std::size_t base = out.size();
  out.resize(base + data.count * stride);
  std::size_t offset = 0;
  for (const auto& p : data.properties) {
    std::size_t sz = ply_type_size(p.type);
    char* dst = out.data() + base + offset;
    for (std::size_t i = 0; i < data.count; ++i, dst += stride) {
      const std::uint8_t* src = p.bytes.data() + i * sz;
      for (std::size_t b = 0; b < sz; ++b) dst[b] = char(src[swap ? sz - 1 - b : b]);
    }
    offset += sz;
  }
  return out;
}

void write_ply(const std::string& path, const PlyData& data, PlyFormat format) {
  write_file_atomically(path, encode_ply(data, format));
}

PlyData ply_from_points(const PlyPoints& points) {
  check_shape(kTag, "positions", points.positions, {-1, 3});
  check_dtype(kTag, "positions", points.positions, {mx::float32, mx::float64});
  int n = points.positions.shape(0);
  PlyData d;
  d.count = std::size_t(n);
  auto add3 = [&](const mx::array& a, const char* const* names) {
    for (int k = 0; k < 3; ++k) d.set(names[k], mx::slice(a, {0, k}, {n, k + 1}, mx::Device::cpu));
  };
  static const char* xyz[] = {"x", "y", "z"};
  static const char* rgb[] = {"red", "green", "blue"};
  static const char* nxyz[] = {"nx", "ny", "nz"};
  add3(points.positions, xyz);
  if (points.colors) {
    check_shape(kTag, "colors", *points.colors, {n, 3});
    check_dtype(kTag, "colors", *points.colors, {mx::uint8});
    add3(*points.colors, rgb);
  }
  if (points.normals) {
    check_shape(kTag, "normals", *points.normals, {n, 3});
    check_dtype(kTag, "normals", *points.normals, {mx::float32, mx::float64});
    add3(*points.normals, nxyz);
  }
  for (const auto& [name, values] : points.extra) {
    if (d.has(name)) fail_argument(kTag, "extra property '" + name + "' duplicates an existing property");
    d.set(name, mx::astype(values, mx::float32, mx::Device::cpu));
  }
  return d;
}

void write_ply_points(const std::string& path, const PlyPoints& points, PlyFormat format) {
  write_ply(path, ply_from_points(points), format);
}

}  // namespace robomlx
