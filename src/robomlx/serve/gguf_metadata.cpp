// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/gguf_metadata_internal.h"

#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/transforms.h>

namespace robomlx::serve::detail {

namespace mx = mlx::core;

namespace {
const mx::array* scalar(const GgufMeta& meta, const std::string& key) {
  auto it = meta.find(key);
  if (it == meta.end()) return nullptr;
  const auto* a = std::get_if<mx::array>(&it->second);
  if (!a || a->size() != 1) throw std::invalid_argument("gguf: metadata " + key + " is not a number");
  return a;
}
}  // namespace

std::optional<std::int64_t> gguf_int(const GgufMeta& meta, const std::string& key) {
  const mx::array* a = scalar(meta, key);
  if (!a) return std::nullopt;
  return mx::astype(*a, mx::int64).item<std::int64_t>();
}

std::int64_t gguf_int_required(const GgufMeta& meta, const std::string& key) {
  auto v = gguf_int(meta, key);
  if (!v) throw std::invalid_argument("gguf: metadata " + key + " is missing");
  return *v;
}

std::optional<double> gguf_float(const GgufMeta& meta, const std::string& key) {
  const mx::array* a = scalar(meta, key);
  if (!a) return std::nullopt;
  return mx::astype(*a, mx::float32).item<float>();
}

std::optional<std::string> gguf_string(const GgufMeta& meta, const std::string& key) {
  auto it = meta.find(key);
  if (it == meta.end()) return std::nullopt;
  const auto* s = std::get_if<std::string>(&it->second);
  if (!s) throw std::invalid_argument("gguf: metadata " + key + " is not a string");
  return *s;
}

const std::vector<std::string>& gguf_strings(const GgufMeta& meta, const std::string& key) {
  auto it = meta.find(key);
  const auto* v = it == meta.end() ? nullptr : std::get_if<std::vector<std::string>>(&it->second);
  if (!v) throw std::invalid_argument("gguf: metadata " + key + " is missing or not a string list");
  return *v;
}

std::vector<int> gguf_ints(const GgufMeta& meta, const std::string& key) {
  auto it = meta.find(key);
  const auto* a = it == meta.end() ? nullptr : std::get_if<mx::array>(&it->second);
  if (!a) throw std::invalid_argument("gguf: metadata " + key + " is missing or not a number list");
  mx::array v = mx::astype(mx::flatten(*a), mx::int32);
  mx::eval(v);
  const int* p = v.data<int>();
  return std::vector<int>(p, p + v.size());
}

}  // namespace robomlx::serve::detail

// ---- the header reader for discovery --------------------------------------------------------------
#include <cstring>
#include <filesystem>
#include <fstream>

namespace robomlx::serve::detail {

namespace {
struct HeaderReader {
  std::ifstream in;
  std::uint64_t size = 0;
  std::string path;
  std::uint64_t at = 0;  // bytes consumed (tellg is slow on every read)
  void need(std::uint64_t n) {
    if (!in || n > size || at > size - n) throw std::invalid_argument("gguf: " + path + ": header runs past the end of the file");
    at += n;
  }
  template <typename T>
  T pod() {
    need(sizeof(T));
    T v{};
    in.read(reinterpret_cast<char*>(&v), sizeof(T));
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    return s;
  }
  void skip(std::uint64_t n) {  // ignore() reads through the buffer; seekg would drop it every time
    need(n);
    in.ignore(static_cast<std::streamsize>(n));
  }
};

std::uint64_t fixed_size(std::uint32_t type) {
  switch (type) {
    case 0: case 1: case 7: return 1;
    case 2: case 3: return 2;
    case 4: case 5: case 6: return 4;
    case 10: case 11: case 12: return 8;
    default: return 0;
  }
}

double read_number(HeaderReader& r, std::uint32_t type) {
  switch (type) {
    case 0: return r.pod<std::uint8_t>();
    case 1: return r.pod<std::int8_t>();
    case 2: return r.pod<std::uint16_t>();
    case 3: return r.pod<std::int16_t>();
    case 4: return r.pod<std::uint32_t>();
    case 5: return r.pod<std::int32_t>();
    case 6: return r.pod<float>();
    case 7: return r.pod<std::uint8_t>() != 0;
    case 10: return static_cast<double>(r.pod<std::uint64_t>());
    case 11: return static_cast<double>(r.pod<std::int64_t>());
    case 12: return r.pod<double>();
    default: throw std::invalid_argument("gguf: " + r.path + ": unknown value type " + std::to_string(type));
  }
}
}  // namespace

std::unordered_map<std::string, GgufScalar> read_gguf_scalars(const std::string& path) {
  HeaderReader r{std::ifstream(path, std::ios::binary), 0, path, 0};
  if (!r.in) throw std::invalid_argument("gguf: cannot read " + path);
  r.size = std::filesystem::file_size(path);
  char magic[4];
  r.need(4);
  r.in.read(magic, 4);
  const auto version = r.pod<std::uint32_t>();
  if (std::memcmp(magic, "GGUF", 4) != 0 || version < 2 || version > 3)
    throw std::invalid_argument("gguf: " + path + " is not a GGUF v2/v3 file");
  r.pod<std::uint64_t>();  // tensor count
  const auto kv_count = r.pod<std::uint64_t>();
  std::unordered_map<std::string, GgufScalar> out;
  for (std::uint64_t i = 0; i < kv_count; ++i) {
    std::string key = r.str();
    const auto type = r.pod<std::uint32_t>();
    if (type == 8) {
      out[key] = {0, r.str(), true};
    } else if (type == 9) {
      const auto item = r.pod<std::uint32_t>();
      const auto n = r.pod<std::uint64_t>();
      if (item == 8) {
        for (std::uint64_t k = 0; k < n; ++k) r.skip(r.pod<std::uint64_t>());
      } else if (const auto w = fixed_size(item); w && n <= r.size / w) {
        r.skip(n * w);
      } else {
        throw std::invalid_argument("gguf: " + path + ": unsupported array in the header (" + key + ")");
      }
    } else {
      out[key] = {read_number(r, type), {}, false};
    }
  }
  return out;
}

}  // namespace robomlx::serve::detail
