// SPDX-License-Identifier: Apache-2.0
// The GGUF reader serve uses for files mx::load_gguf refuses (Gemma 3 270M's Q4_K_M mix):
// dequantization of hand-built Q8_0 / Q5_0 / Q4_K / Q6_K blocks against the values their integers
// stand for (the test packs the integers per the GGML layout, then expects d * (q - offset)), of the
// real file's tensors against the `gguf` package's NumPy dequantizers (tests/data/serve/
// gemma3_dequant_golden.json; float32 both, so within 1e-6 relative), and clear errors on broken
// files.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <mlx/ops.h>

#include "robomlx/serve/gguf_reader_internal.h"
#include "serve_models.h"

namespace robomlx::serve {
namespace {

using detail::GgmlType;

// float -> IEEE half bits for values exactly representable in half (the test's scales are).
std::uint16_t half_bits(float v) {
  const mx::float16_t h(v);
  std::uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

void put_half(std::vector<std::uint8_t>& b, std::size_t at, float v) {
  const std::uint16_t h = half_bits(v);
  std::memcpy(b.data() + at, &h, 2);
}

std::vector<float> decode(GgmlType type, const std::vector<std::uint8_t>& block, int n) {
  std::vector<float> out(n);
  detail::dequantize_values(static_cast<std::uint32_t>(type), block.data(), n, out.data());
  return out;
}

TEST(GgufReader, Q8_0BlockIsScaleTimesSignedBytes) {
  std::vector<std::uint8_t> b(34);
  put_half(b, 0, 0.25f);
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(j * 8 - 128));
  const auto y = decode(GgmlType::q8_0, b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 0.25f * static_cast<float>(j * 8 - 128)) << j;
}

TEST(GgufReader, Q5_0BlockTakesTheFifthBitFromQh) {
  std::mt19937 rng(5);
  int q[32];
  for (int& v : q) v = static_cast<int>(rng() % 32);
  std::vector<std::uint8_t> b(22, 0);
  put_half(b, 0, -0.5f);
  std::uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    b[6 + j] = static_cast<std::uint8_t>((q[j] & 15) | ((q[j + 16] & 15) << 4));
    qh |= static_cast<std::uint32_t>(q[j] >> 4) << j;
    qh |= static_cast<std::uint32_t>(q[j + 16] >> 4) << (j + 16);
  }
  std::memcpy(b.data() + 2, &qh, 4);
  const auto y = decode(GgmlType::q5_0, b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], -0.5f * static_cast<float>(q[j] - 16)) << j;
}

TEST(GgufReader, Q4_KBlockUnpacksSixBitScalesAndMins) {
  std::mt19937 rng(4);
  int sc[8], mn[8], q[256];
  for (int i = 0; i < 8; ++i) {
    sc[i] = static_cast<int>(rng() % 64);
    mn[i] = static_cast<int>(rng() % 64);
  }
  for (int& v : q) v = static_cast<int>(rng() % 16);
  std::vector<std::uint8_t> b(144, 0);
  const float d = 0.125f, dmin = 0.0625f;
  put_half(b, 0, d);
  put_half(b, 2, dmin);
  std::uint8_t* s = b.data() + 4;
  for (int j = 0; j < 4; ++j) {  // sub-blocks 0-3: low 6 bits of bytes j (scale) and j + 4 (min)
    s[j] = static_cast<std::uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));       // + top bits of scale j + 4
    s[j + 4] = static_cast<std::uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));   // + top bits of min j + 4
    s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) b[16 + 32 * c + l] = static_cast<std::uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
  const auto y = decode(GgmlType::q4_k, b, 256);
  for (int i = 0; i < 256; ++i) {
    const int sub = i / 32;
    const float want = d * static_cast<float>(sc[sub]) * static_cast<float>(q[i]) - dmin * static_cast<float>(mn[sub]);
    EXPECT_FLOAT_EQ(y[i], want) << i;
  }
}

TEST(GgufReader, Q6_KBlockJoinsFourAndTwoBitsPerValue) {
  std::mt19937 rng(6);
  int q[256], sc[16];
  for (int& v : q) v = static_cast<int>(rng() % 64);
  for (int& v : sc) v = static_cast<int>(rng() % 256) - 128;
  std::vector<std::uint8_t> b(210, 0);
  const float d = 0.03125f;
  put_half(b, 208, d);
  for (int i = 0; i < 16; ++i) b[192 + i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(sc[i]));
  // Value v = 128 h + 32 k + l: low 4 bits in ql[64 h + l + 32 (k & 1)] (low nibble for k < 2),
  // high 2 bits at bit 2 k of qh[32 h + l]; scale sc[v / 16].
  for (int v = 0; v < 256; ++v) {
    const int h = v / 128, k = (v % 128) / 32, l = v % 32;
    std::uint8_t& low = b[64 * h + l + 32 * (k & 1)];
    low |= static_cast<std::uint8_t>((q[v] & 15) << (k < 2 ? 0 : 4));
    b[128 + 32 * h + l] |= static_cast<std::uint8_t>((q[v] >> 4) << (2 * k));
  }
  const auto y = decode(GgmlType::q6_k, b, 256);
  for (int v = 0; v < 256; ++v) EXPECT_FLOAT_EQ(y[v], d * static_cast<float>(sc[v / 16]) * static_cast<float>(q[v] - 32)) << v;
}

TEST(GgufReader, RealTensorsMatchTheGgufPackage) {
  GEMMA3_OR_SKIP();
  const auto file = detail::read_gguf(test::gemma3_entry()->path);
  const auto golden = test::serve_golden("gemma3_dequant_golden.json");
  ASSERT_EQ(golden["cases"].size(), 4u);
  for (const auto& c : golden["cases"]) {
    const auto& t = file.tensor(c["tensor"].get<std::string>());
    EXPECT_EQ(detail::ggml_type_name(t.type), c["type"].get<std::string>());
    EXPECT_EQ(t.rows(), c["shape"][0].get<std::int64_t>());
    EXPECT_EQ(t.dims[0], c["shape"][1].get<std::int64_t>());
    for (const auto& [row, want] : c["rows"].items()) {
      mx::array got = detail::dequantize_rows(file, t, std::stoll(row), 1);
      got.eval();
      const auto w = want.get<std::vector<float>>();
      for (std::size_t i = 0; i < w.size(); ++i)
        ASSERT_NEAR(got.data<float>()[i], w[i], 1e-6f * std::abs(w[i]) + 1e-9f) << t.name << " row " << row << " value " << i;
    }
  }
}

TEST(GgufReader, BrokenFilesThrowNamingTheProblem) {
  const std::filesystem::path dir = test::temp_dir();
  auto write = [&](const std::string& name, const std::string& bytes) {
    const auto p = (dir / name).string();
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  };
  auto expect_error = [](const std::string& path, const std::string& part) {
    try {
      detail::read_gguf(path);
      ADD_FAILURE() << path << " did not throw";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect_error(write("magic.gguf", std::string("GGML\x03\0\0\0", 8)), "not a GGUF");
  std::string header("GGUF\x03\0\0\0", 8);
  auto u64 = [](std::uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  auto u32 = [](std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  expect_error(write("counts.gguf", header + u64(std::uint64_t{1} << 40) + u64(0)), "absurd");
  // One key whose string claims more bytes than the file has.
  expect_error(write("string.gguf", header + u64(0) + u64(1) + u64(3) + "key" + u32(8) + u64(1000)), "past the end");
  // One tensor of an unsupported type (Q5_1 = 7).
  const std::string tensor = u64(1) + "w" + u32(1) + u64(32) + u32(7) + u64(0);
  expect_error(write("type.gguf", header + u64(1) + u64(0) + tensor), "not supported");
  // A Q8_0 tensor whose data would run past the end.
  const std::string q8 = u64(1) + "w" + u32(2) + u64(32) + u64(4) + u32(8) + u64(0);
  expect_error(write("data.gguf", header + u64(1) + u64(0) + q8), "tensor w runs past the end");
  // A truncated copy of nothing but the header start.
  expect_error(write("short.gguf", header + "\x01"), "past the end");
}

// Random byte flips and truncations of a small valid file: read_gguf either succeeds (and every
// tensor's rows then dequantize) or throws std::invalid_argument; nothing else (a cheap stand-in for
// a libFuzzer target; the checks are the same).
TEST(GgufReader, MutatedFilesFailCleanly) {
  auto u64 = [](std::uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  auto u32 = [](std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto str = [&](const std::string& t) { return u64(t.size()) + t; };
  std::string f = std::string("GGUF", 4) + u32(3) + u64(2) + u64(3);
  f += str("general.architecture") + u32(8) + str("gemma3");
  f += str("tokenizer.ggml.tokens") + u32(9) + u32(8) + u64(2) + str("a") + str("b");
  f += str("tokenizer.ggml.scores") + u32(9) + u32(6) + u64(2) + std::string(8, '\0');
  f += str("w") + u32(2) + u64(32) + u64(2) + u32(8) + u64(0);   // Q8_0 [2, 32]: 68 bytes
  f += str("n") + u32(1) + u64(4) + u32(0) + u64(96);            // F32 [4]: 16 bytes
  f.resize((f.size() + 31) / 32 * 32, '\0');
  f += std::string(128, '\x11');
  const auto path = test::temp_dir() + "/mutated.gguf";
  auto write = [&](const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  write(f);
  ASSERT_EQ(detail::read_gguf(path).tensors.size(), 2u);
  std::mt19937 rng(14);
  int ok = 0, refused = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string m = f;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) m[rng() % m.size()] = static_cast<char>(rng() % 256);
    if (rng() % 4 == 0) m.resize(rng() % m.size());
    write(m);
    try {
      const auto g = detail::read_gguf(path);
      for (const auto& t : g.tensors) detail::dequantize_rows(g, t, 0, 1).eval();
      ++ok;
    } catch (const std::invalid_argument&) {
      ++refused;
    }
  }
  EXPECT_GT(ok, 100);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace robomlx::serve
