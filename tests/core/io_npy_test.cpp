// SPDX-License-Identifier: Apache-2.0
// .npy reader/writer: the shipped garden files against values read with Python struct, round
// trips of every dtype and rank, Fortran order, header versions, and each malformed-input path.
#include <cstring>
#include <filesystem>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/npy.h"
#include "support.h"

namespace robomlx {
namespace {

std::string garden(const std::string& f) { return test::shared_dir() + "/data/splat/garden-points/" + f; }

template <typename T>
std::vector<T> host(const mx::array& a) {
  auto c = mx::contiguous(a, false, mx::Device::cpu);
  mx::eval(c);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

// A .npy file with the given header dictionary text (padded, '\n'-terminated) and payload.
std::string npy(const std::string& dict, const std::string& payload, int major = 1) {
  std::string h = dict;
  std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY", 6) + char(major) + char(0);
  out += char(h.size() & 0xff);
  out += char(h.size() >> 8);
  if (major != 1) out += std::string(2, '\0');
  return out + h + payload;
}

template <typename T>
std::string raw(std::initializer_list<T> v) {
  std::string s;
  for (T x : v) s.append(reinterpret_cast<const char*>(&x), sizeof(T));
  return s;
}

mx::array decode(const std::string& s) { return decode_npy(s.data(), s.size(), "t.npy"); }

TEST(IoNpy, ReadsShippedGardenFiles) {
  auto means = read_npy(garden("means3d.npy"));
  EXPECT_EQ(means.shape(), (mx::Shape{138766, 3}));
  EXPECT_EQ(means.dtype(), mx::float32);
  auto m = host<float>(means);
  // Values read with Python struct.unpack('<3f') at offsets 128 and end - 12.
  EXPECT_EQ(m[0], -0.12948334217071533f);
  EXPECT_EQ(m[1], -1.286354660987854f);
  EXPECT_EQ(m[2], 0.5100821852684021f);
  EXPECT_EQ(m[m.size() - 3], 0.10388286411762238f);
  EXPECT_EQ(m[m.size() - 1], -0.005538822151720524f);
  auto colors = read_npy(garden("colors.npy"));
  EXPECT_EQ(colors.dtype(), mx::uint8);
  auto c = host<std::uint8_t>(colors);
  EXPECT_EQ(std::vector<std::uint8_t>(c.begin(), c.begin() + 6), (std::vector<std::uint8_t>{20, 35, 5, 188, 167, 149}));
  EXPECT_EQ(std::vector<std::uint8_t>(c.end() - 3, c.end()), (std::vector<std::uint8_t>{19, 63, 56}));
  auto w = read_npy(garden("width.npy"));
  EXPECT_EQ(w.ndim(), 0u);
  EXPECT_EQ(w.dtype(), mx::int64);
  EXPECT_EQ(w.item<std::int64_t>(), 648);
  EXPECT_EQ(read_npy(garden("height.npy")).item<std::int64_t>(), 420);
  auto ks = host<float>(read_npy(garden("Ks.npy")));
  EXPECT_EQ(ks[0], 480.6123352050781f);
  EXPECT_EQ(ks[2], 324.1875f);
  EXPECT_EQ(ks[8], 1.0f);
}

TEST(IoNpy, RoundTripsEveryDtypeAndRank) {
  std::vector<mx::Dtype> dtypes{mx::bool_, mx::uint8, mx::int8, mx::uint16, mx::int16, mx::uint32, mx::int32,
                                mx::uint64, mx::int64, mx::float16, mx::float32, mx::float64};
  std::vector<mx::Shape> shapes{{}, {0}, {5}, {2, 3, 4}, {3, 0, 2}};
  for (auto dt : dtypes) {
    for (const auto& shape : shapes) {
      int n = 1;
      for (int d : shape) n *= d;
      auto a = mx::astype(mx::reshape(mx::arange(0, n, 1, mx::Device::cpu), shape, mx::Device::cpu), dt, mx::Device::cpu);
      std::string bytes = encode_npy(a);
      EXPECT_EQ((bytes.size() - std::size_t(n) * mx::size_of(dt)) % 64, 0u) << "payload is 64-byte aligned";
      auto b = decode(bytes);
      EXPECT_EQ(b.shape(), shape);
      EXPECT_EQ(b.dtype(), dt);
      EXPECT_TRUE(mx::array_equal(a, b, false, mx::Device::cpu).item<bool>()) << dtype_name(dt);
    }
  }
  // A transposed (non-contiguous) array is written in row-major order.
  auto t = mx::transpose(mx::reshape(mx::arange(6, mx::Device::cpu), {2, 3}, mx::Device::cpu), mx::Device::cpu);
  auto path = test::temp_dir() + "/t.npy";
  write_npy(path, t);
  auto back = read_npy(path);
  EXPECT_EQ(back.shape(), (mx::Shape{3, 2}));
  EXPECT_EQ(host<std::int32_t>(back), (std::vector<std::int32_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_THROW_MSG(encode_npy(mx::zeros({2}, mx::bfloat16)), std::invalid_argument, "[core.io.npy] array dtype must be");
}

TEST(IoNpy, FortranOrderVersionsAndHeaderSpelling) {
  // [[1, 2, 3], [4, 5, 6]] stored column-major.
  auto f = decode(npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", raw<int>({1, 4, 2, 5, 3, 6})));
  EXPECT_EQ(f.shape(), (mx::Shape{2, 3}));
  EXPECT_EQ(host<int>(f), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  for (int major : {2, 3}) {
    auto v = decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", raw<double>({0.5, -1}), major));
    EXPECT_EQ(host<double>(v), (std::vector<double>{0.5, -1}));
  }
  // Key order, double quotes, no trailing comma, '=' byte order: all valid Python literals.
  auto r = decode(npy("{\"shape\":(3,),\"fortran_order\":False,\"descr\":\"=u2\"}", raw<std::uint16_t>({1, 2, 65535})));
  EXPECT_EQ(host<std::uint16_t>(r), (std::vector<std::uint16_t>{1, 2, 65535}));
  // numpy reads any non-zero byte of a bool array as True.
  EXPECT_EQ(host<bool>(decode(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", std::string("\x00\x07\x01", 3)))),
            (std::vector<bool>{false, true, true}));
}

TEST(IoNpy, MalformedFilesNameTheField) {
  const std::string ok_payload = raw<float>({1, 2});
  auto with = [&](const std::string& dict) { return npy(dict, ok_payload); };
  struct Bad {
    std::string bytes;
    std::string message;
  };
  std::string good = with("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }");
  std::string v4 = good;
  v4[6] = 4;
  std::string long_header = good;
  long_header[8] = char(0xff);
  long_header[9] = char(0x7f);
  std::vector<Bad> cases = {
      {"", "t.npy: not a .npy file (missing \\x93NUMPY magic)"},
      {"\x93NUMPX\x01\x00\x10\x00", "not a .npy file"},
      {v4, "t.npy: unsupported npy format version 4.0 (supported: 1.0, 2.0, 3.0)"},
      {std::string("\x93NUMPY\x02\x00\x01\x00\x00", 11), "t.npy: npy header: file truncated in the header length"},
      {long_header, "t.npy: npy header: file truncated (header length 32767, only 126 bytes follow)"},
      {with("['descr']"), "t.npy: npy header: the header dictionary must start with '{'"},
      {with("{'descr': '<f4', 'shape': (2,), }"), "t.npy: npy header: missing key 'fortran_order'"},
      {with("{'fortran_order': False, 'shape': (2,), }"), "npy header: missing key 'descr'"},
      {with("{'descr': '<f4', 'fortran_order': False}"), "npy header: missing key 'shape'"},
      {with("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"), "duplicate key 'descr'"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"), "unexpected key 'extra'"},
      {with("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"),
       "npy header: descr: structured dtypes are not supported"},
      {with("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"),
       "t.npy: npy header: descr '>f4': big-endian data is not supported"},
      {with("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"), "descr '<c8': unsupported dtype"},
      {with("{'descr': '<U10', 'fortran_order': False, 'shape': (2,), }"), "descr '<U10': unsupported dtype"},
      {with("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }"), "fortran_order must be True or False, got 'Maybe"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), "shape: expected a non-negative integer, got '-2"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': 2, }"), "shape must be a tuple"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }"), "shape: expected ',' or ')'"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }"), "dimension exceeds 2147483647"},
      {with("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }"), "expected ',' or '}' after the value of 'descr'"},
      {with("{'descr: '<f4'"), "npy header: expected ':' after key"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x"), "unexpected text after the dictionary: 'x"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"),
       "t.npy: data truncated: shape (3) of <f4 needs 12 bytes, the file holds 8 after the header"},
      {with("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), "unexpected trailing data: shape (1) of <f4 needs 4"},
      {with("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }"),
       "shape (2147483647, 2147483647, 2147483647) with more than 2^64 elements exceeds the elements cap of 1073741824"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    EXPECT_THROW_MSG(decode(c.bytes), FormatError, c.message);
  }
  // With the elements cap out of the way, the payload size check refuses the same header.
  set_input_cap(InputCap::elements, ~std::uint64_t(0));
  EXPECT_THROW_MSG(decode(cases.back().bytes), FormatError,
                   "data truncated: shape (2147483647, 2147483647, 2147483647) of <f8 needs more than 2^64 bytes");
  set_input_cap(InputCap::elements, 0);
  EXPECT_THROW_MSG(read_npy(test::temp_dir() + "/none.npy"), FormatError, "none.npy: cannot open file: No such file");
  auto dir = test::temp_dir();
  EXPECT_THROW_MSG(read_npy(dir), FormatError, dir + ": read error: Is a directory");
}

}  // namespace
}  // namespace robomlx
