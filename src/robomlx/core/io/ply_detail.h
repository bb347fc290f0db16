// SPDX-License-Identifier: Apache-2.0
// Internal helpers shared by ply.cpp (reading) and ply_data.cpp (accessors, writing).
#pragma once

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/core/io/ply.h"

namespace robomlx::detail {

/// The whole file; FormatError(path, "cannot open file: <reason>") and the like on failure.
inline std::string read_file_bytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw FormatError(path, std::string("cannot open file: ") + std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, got);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (failed) throw FormatError(path, std::string("read error: ") + std::strerror(err));
  return out;
}

/// 'text' for messages: at most 40 characters, non-printable bytes as \xNN.
inline std::string quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 32 && c < 127) {
      out += char(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > 40) out += "...";
  return out + "'";
}

inline std::optional<PlyType> parse_ply_type(std::string_view s) {
  if (s == "char" || s == "int8") return PlyType::Int8;
  if (s == "uchar" || s == "uint8") return PlyType::UInt8;
  if (s == "short" || s == "int16") return PlyType::Int16;
  if (s == "ushort" || s == "uint16") return PlyType::UInt16;
  if (s == "int" || s == "int32") return PlyType::Int32;
  if (s == "uint" || s == "uint32") return PlyType::UInt32;
  if (s == "float" || s == "float32") return PlyType::Float32;
  if (s == "double" || s == "float64") return PlyType::Float64;
  return std::nullopt;
}

/// The value at `p` (native order, any alignment) as a double; exact for every PLY type.
inline double load_as_double(PlyType t, const std::uint8_t* p) {
  auto get = [p](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return double(v);
  };
  switch (t) {
    case PlyType::Int8: return get(std::int8_t{});
    case PlyType::UInt8: return get(std::uint8_t{});
    case PlyType::Int16: return get(std::int16_t{});
    case PlyType::UInt16: return get(std::uint16_t{});
    case PlyType::Int32: return get(std::int32_t{});
    case PlyType::UInt32: return get(std::uint32_t{});
    case PlyType::Float32: return get(float{});
    case PlyType::Float64: return get(double{});
  }
  return 0;
}

template <typename T>
bool store_integer(double v, std::uint8_t* out) {
  if (!(v >= double(std::numeric_limits<T>::min()) && v <= double(std::numeric_limits<T>::max()))) return false;
  if (v != std::floor(v)) return false;
  T x = static_cast<T>(v);
  std::memcpy(out, &x, sizeof(T));
  return true;
}

/// Parses one ASCII value of type `t` into `out` (native order). Integers must be integral and
/// in range; floats beyond float32's range are rejected rather than turned into infinities.
inline bool parse_ascii_value(std::string_view tok, PlyType t, std::uint8_t* out) {
  if (tok.size() > 1 && tok[0] == '+' && tok[1] != '-') tok.remove_prefix(1);
  const char* b = tok.data();
  const char* e = tok.data() + tok.size();
  double v = 0;
  if (t != PlyType::Float32 && t != PlyType::Float64) {
    std::int64_t i = 0;
    auto r = std::from_chars(b, e, i);
    if (r.ec == std::errc() && r.ptr == e) {
      v = double(i);
    } else {
      auto rf = std::from_chars(b, e, v);
      if (rf.ec != std::errc() || rf.ptr != e) return false;
    }
  } else {
    auto r = std::from_chars(b, e, v);
    if (r.ec != std::errc() || r.ptr != e) return false;
  }
  switch (t) {
    case PlyType::Int8: return store_integer<std::int8_t>(v, out);
    case PlyType::UInt8: return store_integer<std::uint8_t>(v, out);
    case PlyType::Int16: return store_integer<std::int16_t>(v, out);
    case PlyType::UInt16: return store_integer<std::uint16_t>(v, out);
    case PlyType::Int32: return store_integer<std::int32_t>(v, out);
    case PlyType::UInt32: return store_integer<std::uint32_t>(v, out);
    case PlyType::Float32: {
      // Parse as float directly (what the writer's shortest to_chars form round-trips through);
      // go through double only for underflow, which from_chars may report as out of range.
      float f = 0;
      auto r = std::from_chars(b, e, f);
      if (r.ec != std::errc() || r.ptr != e) {
        if (std::isfinite(v) && std::fabs(v) > double(std::numeric_limits<float>::max())) return false;
        f = static_cast<float>(v);
      }
      std::memcpy(out, &f, 4);
      return true;
    }
    case PlyType::Float64: std::memcpy(out, &v, 8); return true;
  }
  return false;
}

/// A double for messages: integers without a fraction.
inline std::string num(double v) {
  if (std::fabs(v) < 9e15 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  return std::to_string(v);
}

inline std::string u128_string(unsigned __int128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.insert(s.begin(), char('0' + int(v % 10)));
    v /= 10;
  }
  return s;
}

}  // namespace robomlx::detail
