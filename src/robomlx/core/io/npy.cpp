// SPDX-License-Identifier: Apache-2.0
// .npy reader and writer. The header dictionary is parsed as a small Python literal (any key
// order and spacing), and the payload size is checked against the shape before allocating.
#include "robomlx/core/io/npy.h"

#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/ply_detail.h"

namespace robomlx {

namespace {

constexpr const char* kTag = "core.io.npy";
constexpr unsigned char kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

struct DtypeEntry {
  const char* code;  // kind + size, without the byte-order character
  mx::Dtype dtype;
};
const DtypeEntry kDtypes[] = {
    {"b1", mx::bool_},   {"u1", mx::uint8},    {"i1", mx::int8},     {"u2", mx::uint16},
    {"i2", mx::int16},   {"u4", mx::uint32},   {"i4", mx::int32},    {"u8", mx::uint64},
    {"i8", mx::int64},   {"f2", mx::float16},  {"f4", mx::float32},  {"f8", mx::float64},
};

struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<std::uint64_t>> shape;
};

// A cursor over the header dictionary text, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  NpyHeader parse() {
    NpyHeader h;
    ws();
    expect('{', "the header dictionary must start with '{'");
    for (;;) {
      ws();
      if (peek() == '}') break;
      std::string key = string_literal("a quoted key");
      ws();
      expect(':', "expected ':' after key '" + key + "'");
      ws();
      if (key == "descr") {
        if (h.descr) fail("duplicate key 'descr'");
        if (peek() == '[') fail("descr: structured dtypes are not supported (expected a simple type such as '<f4')");
        h.descr = string_literal("descr: a quoted type string");
      } else if (key == "fortran_order") {
        if (h.fortran_order) fail("duplicate key 'fortran_order'");
        h.fortran_order = boolean();
      } else if (key == "shape") {
        if (h.shape) fail("duplicate key 'shape'");
        h.shape = shape();
      } else {
        fail("unexpected key " + detail::quote(key) + " (expected descr, fortran_order, shape)");
      }
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    ++i_;
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\0')) ++i_;
    if (i_ != s_.size()) fail("unexpected text after the dictionary: " + detail::quote(s_.substr(i_)));
    if (!h.descr) fail("missing key 'descr'");
    if (!h.fortran_order) fail("missing key 'fortran_order'");
    if (!h.shape) fail("missing key 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(name_, "npy header: " + what); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail(what);
    ++i_;
  }
  std::string string_literal(const std::string& what) {
    char q = peek();
    if (q != '\'' && q != '"') fail("expected " + what);
    std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos) fail("unterminated string in " + what);
    std::string out(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    fail("fortran_order must be True or False, got " + detail::quote(s_.substr(i_, 8)));
  }
  std::vector<std::uint64_t> shape() {
    expect('(', "shape must be a tuple such as (3, 4) or ()");
    std::vector<std::uint64_t> dims;
    for (;;) {
      ws();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("shape: expected a non-negative integer, got " + detail::quote(s_.substr(i_, 12)));
      std::uint64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        v = v * 10 + std::uint64_t(peek() - '0');
        if (v > std::uint64_t(std::numeric_limits<std::int32_t>::max())) {
          fail("shape: dimension exceeds 2147483647 (MLX dimensions are int32)");
        }
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2 long suffix
      dims.push_back(v);
      ws();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        fail("shape: expected ',' or ')'");
      }
    }
    ++i_;
    return dims;
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t i_ = 0;
};

mx::Dtype parse_descr(const std::string& descr, const std::string& name) {
  auto fail = [&](const std::string& what) -> void { throw FormatError(name, "npy header: descr " + detail::quote(descr) + ": " + what); };
  if (descr.size() != 3) fail("unsupported dtype (supported: <f2 <f4 <f8 |u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 |b1)");
  char order = descr[0];
  std::string_view code(descr.data() + 1, 2);
  for (const auto& e : kDtypes) {
    if (code != e.code) continue;
    bool one_byte = mx::size_of(e.dtype) == 1;
    if (order == '>' && !one_byte) fail("big-endian data is not supported (save it with arr.astype('<" + std::string(code) + "'))");
    if (order != '<' && order != '|' && order != '=' && order != '>') fail("unknown byte-order character");
    if (std::endian::native != std::endian::little && !one_byte && order != '|' && order != '=') {
      fail("little-endian data on a big-endian host is not supported");
    }
    return e.dtype;
  }
  fail("unsupported dtype (supported: <f2 <f4 <f8 |u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 |b1)");
  return mx::float32;
}

// Copies through an aligned host buffer of T (the payload may sit at any offset).
template <typename T>
mx::array typed_copy(const std::uint8_t* src, std::size_t n, const mx::Shape& shape, mx::Dtype dtype) {
  std::vector<T> tmp(n);
  if (n) std::memcpy(tmp.data(), src, n * sizeof(T));
  return mx::array(tmp.data(), shape, dtype);
}

mx::array make_array(const std::uint8_t* src, std::size_t n, const mx::Shape& shape, mx::Dtype dtype) {
  switch (dtype) {
    case mx::bool_: {
      std::unique_ptr<bool[]> tmp(new bool[n ? n : 1]);
      for (std::size_t i = 0; i < n; ++i) tmp[i] = src[i] != 0;  // any non-zero byte is True, as in numpy
      return mx::array(tmp.get(), shape, dtype);
    }
    case mx::uint8: return typed_copy<std::uint8_t>(src, n, shape, dtype);
    case mx::int8: return typed_copy<std::int8_t>(src, n, shape, dtype);
    case mx::uint16: return typed_copy<std::uint16_t>(src, n, shape, dtype);
    case mx::int16: return typed_copy<std::int16_t>(src, n, shape, dtype);
    case mx::uint32: return typed_copy<std::uint32_t>(src, n, shape, dtype);
    case mx::int32: return typed_copy<std::int32_t>(src, n, shape, dtype);
    case mx::uint64: return typed_copy<std::uint64_t>(src, n, shape, dtype);
    case mx::int64: return typed_copy<std::int64_t>(src, n, shape, dtype);
    case mx::float16: return typed_copy<mx::float16_t>(src, n, shape, dtype);
    case mx::float32: return typed_copy<float>(src, n, shape, dtype);
    default: return typed_copy<double>(src, n, shape, dtype);
  }
}

}  // namespace

namespace {

// The validated header: dtype, shape and where the payload starts; nothing allocated yet.
struct NpyLayout {
  NpyHeader header;
  mx::Dtype dtype = mx::float32;
  std::size_t payload_offset = 0;
  std::size_t count = 0;  // elements
};

NpyLayout parse_layout(const void* data, std::size_t size, const std::string& name) {
  const auto* b = static_cast<const std::uint8_t*>(data);
  if (size < 10 || std::memcmp(b, kMagic, 6) != 0) throw FormatError(name, "not a .npy file (missing \\x93NUMPY magic)");
  int major = b[6], minor = b[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    throw FormatError(name, "unsupported npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                                " (supported: 1.0, 2.0, 3.0)");
  }
  std::size_t len_size = major == 1 ? 2 : 4;
  if (size < 8 + len_size) throw FormatError(name, "npy header: file truncated in the header length");
  std::uint64_t header_len = b[8] | (std::uint64_t(b[9]) << 8);
  if (len_size == 4) header_len |= (std::uint64_t(b[10]) << 16) | (std::uint64_t(b[11]) << 24);
  std::size_t start = 8 + len_size;
  if (header_len > size - start) {
    throw FormatError(name, "npy header: file truncated (header length " + std::to_string(header_len) + ", only " +
                                std::to_string(size - start) + " bytes follow)");
  }
  std::string_view text(reinterpret_cast<const char*>(b + start), header_len);
  NpyLayout out;
  out.header = HeaderParser(text, name).parse();
  const NpyHeader& h = out.header;
  out.dtype = parse_descr(*h.descr, name);

  // Element count with overflow care: a zero dimension empties the array.
  std::size_t payload = size - start - header_len;
  std::size_t itemsize = mx::size_of(out.dtype);
  unsigned __int128 n = 1;
  bool huge = false;  // beyond 2^64 elements: saturate instead of overflowing 128 bits
  for (auto d : *h.shape) {
    n *= d;
    if (n > (unsigned __int128)(std::numeric_limits<std::uint64_t>::max())) {
      n = (unsigned __int128)1 << 64;
      huge = true;
    }
  }
  if (n == 0) huge = false;
  std::string dims;
  for (auto d : *h.shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  // The size policy, from the header, before anything else about the payload.
  check_input_cap(InputCap::elements, huge ? std::numeric_limits<std::uint64_t>::max() : std::uint64_t(n), name,
                  "array of shape (" + dims + ") with " + (huge ? "more than 2^64" : detail::u128_string(n)) + " elements");
  unsigned __int128 need = n * itemsize;
  if (huge || need != payload) {
    throw FormatError(name, std::string(need > payload ? "data truncated" : "unexpected trailing data") +
                                ": shape (" + dims + ") of " + *h.descr + " needs " + (huge ? "more than 2^64" : detail::u128_string(need)) +
                                " bytes, the file holds " + std::to_string(payload) + " after the header");
  }
  out.payload_offset = start + header_len;
  out.count = std::size_t(n);
  return out;
}

}  // namespace

mx::Shape npy_shape(const void* data, std::size_t size, const std::string& name) {
  NpyLayout l = parse_layout(data, size, name);
  mx::Shape shape;
  for (auto d : *l.header.shape) shape.push_back(int(d));
  return shape;
}

mx::array decode_npy(const void* data, std::size_t size, const std::string& name) {
  const NpyLayout layout = parse_layout(data, size, name);
  const NpyHeader& h = layout.header;
  const mx::Dtype dtype = layout.dtype;
  const std::size_t n = layout.count;
  mx::Shape shape;
  for (auto d : *h.shape) shape.push_back(int(d));
  const std::uint8_t* src = static_cast<const std::uint8_t*>(data) + layout.payload_offset;
  if (!*h.fortran_order || shape.size() < 2) {
    auto a = make_array(src, std::size_t(n), shape, dtype);
    mx::eval(a);
    return a;
  }
  // Column-major payload = row-major array of the reversed shape; transpose it back.
  mx::Shape reversed(shape.rbegin(), shape.rend());
  auto a = mx::contiguous(mx::transpose(make_array(src, std::size_t(n), reversed, dtype), mx::Device::cpu), false,
                          mx::Device::cpu);
  mx::eval(a);
  return a;
}

mx::array read_npy(const std::string& path) {
  std::string bytes = detail::read_file_bytes(path);
  return decode_npy(bytes.data(), bytes.size(), path);
}

std::string encode_npy(const mx::array& a) {
  std::string descr;
  for (const auto& e : kDtypes) {
    if (e.dtype == a.dtype()) descr = std::string(mx::size_of(e.dtype) == 1 ? "|" : "<") + e.code;
  }
  if (descr.empty()) {
    fail_argument(kTag, "array dtype must be bool, (u)int8..64, float16, float32 or float64, got " + dtype_name(a.dtype()));
  }
  static_assert(std::endian::native == std::endian::little, "the npy writer assumes a little-endian host");
  std::string shape = "(";
  const int nd = int(a.ndim());
  for (int i = 0; i < nd; ++i) shape += std::to_string(a.shape(i)) + (nd == 1 ? "," : i + 1 < nd ? ", " : "");
  shape += ")";
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so the payload starts on a 64-byte boundary; the header ends with '\n'.
  bool v2 = dict.size() + 1 + 10 > 65535;
  std::size_t prefix = v2 ? 12 : 10;
  std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';

  auto c = mx::contiguous(a, /*allow_col_major=*/false, mx::Device::cpu);
  mx::eval(c);
  std::string out(reinterpret_cast<const char*>(kMagic), 6);
  out += char(v2 ? 2 : 1);
  out += char(0);
  std::size_t hl = dict.size();
  out += char(hl & 0xff);
  out += char((hl >> 8) & 0xff);
  if (v2) {
    out += char((hl >> 16) & 0xff);
    out += char((hl >> 24) & 0xff);
  }
  out += dict;
  out.append(reinterpret_cast<const char*>(c.data<std::uint8_t>()), c.nbytes());
  return out;
}

void write_npy(const std::string& path, const mx::array& a) { write_file_atomically(path, encode_npy(a)); }

}  // namespace robomlx
