// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/gguf_reader_internal.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <mlx/ops.h>

namespace robomlx::serve::detail {

namespace mx = mlx::core;

namespace {
struct Reader {
  std::ifstream in;
  std::string path;
  std::uint64_t size = 0, at = 0;  // bytes consumed (tellg per read is slow)

  [[noreturn]] void fail(const std::string& why) const { throw std::invalid_argument("gguf: " + path + ": " + why); }
  void need(std::uint64_t n, const char* what) {
    if (!in || n > size || at > size - n) fail(std::string(what) + " runs past the end of the file");
    at += n;
  }
  template <typename T>
  T pod(const char* what = "header") {
    need(sizeof(T), what);
    T v{};
    in.read(reinterpret_cast<char*>(&v), sizeof(T));
    return v;
  }
  std::string str(const char* what = "string") {
    const auto n = pod<std::uint64_t>(what);
    need(n, what);
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    return s;
  }
};

// A scalar as a 0-d array of the file's type (as load_gguf gives it).
mx::array scalar(Reader& r, std::uint32_t type) {
  switch (type) {
    case 0: return mx::array(r.pod<std::uint8_t>());
    case 1: return mx::array(r.pod<std::int8_t>());
    case 2: return mx::array(r.pod<std::uint16_t>());
    case 3: return mx::array(r.pod<std::int16_t>());
    case 4: return mx::array(r.pod<std::uint32_t>());
    case 5: return mx::array(r.pod<std::int32_t>());
    case 6: return mx::array(r.pod<float>());
    case 7: return mx::array(r.pod<std::uint8_t>() != 0);
    case 10: return mx::array(r.pod<std::uint64_t>());
    case 11: return mx::array(r.pod<std::int64_t>());
    case 12: return mx::array(static_cast<float>(r.pod<double>()));
    default: r.fail("unknown value type " + std::to_string(type));
  }
}

// A number array: float types as float32, integers as int64 (token types, ids).
mx::array numbers(Reader& r, std::uint32_t type, std::uint64_t n, const std::string& key) {
  static constexpr int kWidth[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  if (type > 12 || kWidth[type] == 0) r.fail("unsupported array type in " + key);
  if (n > (r.size - r.at) / kWidth[type]) r.fail("array " + key + " runs past the end of the file");
  const bool is_float = type == 6 || type == 12;
  std::vector<float> f(is_float ? n : 0);
  std::vector<std::int64_t> i(is_float ? 0 : n);
  for (std::uint64_t k = 0; k < n; ++k) {
    switch (type) {
      case 0: case 7: i[k] = r.pod<std::uint8_t>(); break;
      case 1: i[k] = r.pod<std::int8_t>(); break;
      case 2: i[k] = r.pod<std::uint16_t>(); break;
      case 3: i[k] = r.pod<std::int16_t>(); break;
      case 4: i[k] = r.pod<std::uint32_t>(); break;
      case 5: i[k] = r.pod<std::int32_t>(); break;
      case 6: f[k] = r.pod<float>(); break;
      case 10: i[k] = static_cast<std::int64_t>(r.pod<std::uint64_t>()); break;
      case 11: i[k] = r.pod<std::int64_t>(); break;
      default: f[k] = static_cast<float>(r.pod<double>()); break;
    }
  }
  const int len = static_cast<int>(n);
  return is_float ? mx::array(f.data(), {len}, mx::float32) : mx::array(i.data(), {len}, mx::int64);
}
}  // namespace

std::int64_t GgufTensorInfo::rows() const {
  std::int64_t r = 1;
  for (std::size_t d = 1; d < dims.size(); ++d) r *= dims[d];
  return r;
}

GgufFile read_gguf(const std::string& path) {
  Reader r{std::ifstream(path, std::ios::binary), path, 0, 0};
  if (!r.in || !std::filesystem::is_regular_file(path)) throw std::invalid_argument("gguf: cannot read " + path);
  r.size = std::filesystem::file_size(path);
  char magic[4];
  r.need(4, "magic");
  r.in.read(magic, 4);
  const auto version = r.pod<std::uint32_t>();
  if (std::memcmp(magic, "GGUF", 4) != 0 || version < 2 || version > 3) r.fail("not a GGUF v2/v3 file");
  const auto n_tensors = r.pod<std::uint64_t>();
  const auto n_kv = r.pod<std::uint64_t>();
  // Each key-value takes at least 12 bytes and each tensor info 28: reject absurd counts early.
  if (n_kv > r.size / 12 || n_tensors > r.size / 28) r.fail("absurd key or tensor count");
  GgufFile f;
  f.path = path;
  f.size = r.size;
  for (std::uint64_t k = 0; k < n_kv; ++k) {
    std::string key = r.str("key");
    const auto type = r.pod<std::uint32_t>();
    if (type == 8) {
      f.meta[key] = r.str(key.c_str());
    } else if (type == 9) {
      const auto item = r.pod<std::uint32_t>();
      const auto n = r.pod<std::uint64_t>();
      if (n > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) r.fail("array " + key + " is too long");
      if (item == 8) {
        if (n > (r.size - r.at) / 8) r.fail("array " + key + " runs past the end of the file");
        std::vector<std::string> v;
        v.reserve(n);
        for (std::uint64_t j = 0; j < n; ++j) v.push_back(r.str(key.c_str()));
        f.meta[key] = std::move(v);
      } else {
        f.meta[key] = numbers(r, item, n, key);
      }
    } else {
      f.meta[key] = scalar(r, type);
    }
  }
  std::uint64_t alignment = 32;
  if (auto a = gguf_int(f.meta, "general.alignment")) alignment = static_cast<std::uint64_t>(*a);
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) r.fail("general.alignment is not a power of two");
  for (std::uint64_t t = 0; t < n_tensors; ++t) {
    GgufTensorInfo info;
    info.name = r.str("tensor name");
    const auto n_dims = r.pod<std::uint32_t>();
    if (n_dims == 0 || n_dims > 4) r.fail("tensor " + info.name + " has " + std::to_string(n_dims) + " dimensions");
    std::uint64_t count = 1;
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      const auto dim = r.pod<std::uint64_t>();
      if (dim == 0 || dim > (std::uint64_t{1} << 40) / count) r.fail("tensor " + info.name + " has an absurd shape");
      count *= dim;
      info.dims.push_back(static_cast<std::int64_t>(dim));
    }
    info.type = r.pod<std::uint32_t>();
    info.offset = r.pod<std::uint64_t>();
    int per_block = 0;
    try {
      per_block = ggml_block_values(info.type);
    } catch (const std::invalid_argument&) {
      r.fail("tensor " + info.name + " has type " + ggml_type_name(info.type) + ", which is not supported");
    }
    if (info.dims[0] % per_block != 0)
      r.fail("tensor " + info.name + ": rows of " + std::to_string(info.dims[0]) + " are not whole " + ggml_type_name(info.type) + " blocks");
    info.bytes = count / per_block * ggml_block_bytes(info.type);
    f.tensors.push_back(std::move(info));
  }
  const std::uint64_t data = (r.at + alignment - 1) / alignment * alignment;
  for (auto& t : f.tensors) {
    if (t.offset > r.size || data > r.size - t.offset || t.bytes > r.size - data - t.offset)
      r.fail("tensor " + t.name + " runs past the end of the file");
    t.offset += data;
  }
  return f;
}

bool GgufFile::has(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return true;
  return false;
}

const GgufTensorInfo& GgufFile::tensor(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return t;
  throw std::invalid_argument("gguf: " + path + " has no tensor " + name);
}

std::vector<std::uint8_t> GgufFile::read_rows(const GgufTensorInfo& t, std::int64_t row0, std::int64_t rows) const {
  if (row0 < 0 || rows < 0 || row0 + rows > t.rows())
    throw std::invalid_argument("gguf: " + path + ": rows out of range for tensor " + t.name);
  const std::uint64_t row_bytes = t.bytes / static_cast<std::uint64_t>(t.rows());
  std::vector<std::uint8_t> out(row_bytes * static_cast<std::uint64_t>(rows));
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(t.offset + row_bytes * static_cast<std::uint64_t>(row0)));
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!in) throw std::invalid_argument("gguf: " + path + ": cannot read tensor " + t.name);
  return out;
}

}  // namespace robomlx::serve::detail
