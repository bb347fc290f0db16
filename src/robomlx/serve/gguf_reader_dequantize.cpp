// SPDX-License-Identifier: Apache-2.0
// GGML block decoders (layouts in gguf_reader_internal.h), written from the format description as
// plain loops: they run once per weight at load time, so clarity wins over speed.
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <mlx/ops.h>

#include "robomlx/serve/gguf_reader_internal.h"

namespace robomlx::serve::detail {

namespace mx = mlx::core;

namespace {
// IEEE half to float from its fields (portable: mx::float16_t is a struct on x86, __fp16 on arm64).
float f16(const std::uint8_t* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  const int exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  float v;
  if (exponent == 0) v = std::ldexp(static_cast<float>(mantissa), -24);  // zero, subnormal
  else if (exponent == 31) v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  return (h & 0x8000) ? -v : v;
}

float bf16(const std::uint8_t* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

// Values j and j + 16 of a 32-value block from the nibbles of qs[j] (Q4_0, Q4_1, Q5_0).
void q5_0(const std::uint8_t* b, float* y) {
  const float d = f16(b);
  std::uint32_t qh;
  std::memcpy(&qh, b + 2, 4);
  const std::uint8_t* qs = b + 6;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 0x0F) | (((qh >> j) & 1) << 4);
    const int hi = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    y[j] = d * static_cast<float>(lo - 16);
    y[j + 16] = d * static_cast<float>(hi - 16);
  }
}

void q4_0(const std::uint8_t* b, float* y) {
  const float d = f16(b);
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>((b[2 + j] & 0x0F) - 8);
    y[j + 16] = d * static_cast<float>((b[2 + j] >> 4) - 8);
  }
}

void q4_1(const std::uint8_t* b, float* y) {
  const float d = f16(b), m = f16(b + 2);
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(b[4 + j] & 0x0F) + m;
    y[j + 16] = d * static_cast<float>(b[4 + j] >> 4) + m;
  }
}

void q8_0(const std::uint8_t* b, float* y) {
  const float d = f16(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(static_cast<std::int8_t>(b[2 + j]));
}

// Q4_K's 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes: sub-blocks 0-3 keep
// theirs in the low 6 bits of bytes j and j + 4; sub-blocks 4-7 put their low 4 bits in byte j + 4
// (scale low nibble, min high nibble) and their top 2 bits in the spare top bits of bytes j - 4
// (scale) and j (min).
void q4_k_scale_min(int j, const std::uint8_t* q, int& sc, int& mn) {
  if (j < 4) {
    sc = q[j] & 63;
    mn = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
    mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void q4_k(const std::uint8_t* b, float* y) {
  const float d = f16(b), dmin = f16(b + 2);
  const std::uint8_t* scales = b + 4;
  const std::uint8_t* qs = b + 16;
  for (int chunk = 0; chunk < 4; ++chunk) {  // 64 values: sub-blocks 2 chunk (low) and 2 chunk + 1 (high)
    int sc0, m0, sc1, m1;
    q4_k_scale_min(2 * chunk, scales, sc0, m0);
    q4_k_scale_min(2 * chunk + 1, scales, sc1, m1);
    for (int l = 0; l < 32; ++l) {
      y[64 * chunk + l] = d * static_cast<float>(sc0) * static_cast<float>(qs[32 * chunk + l] & 0x0F) - dmin * static_cast<float>(m0);
      y[64 * chunk + 32 + l] = d * static_cast<float>(sc1) * static_cast<float>(qs[32 * chunk + l] >> 4) - dmin * static_cast<float>(m1);
    }
  }
}

// Q6_K: each half (128 values) takes 64 bytes of ql and 32 of qh. Value l + 32 i (i = 0..3, l =
// 0..31) of a half has low 4 bits from ql[l] (i = 0: low nibble, i = 2: high nibble) or ql[l + 32]
// (i = 1, 3), and its top 2 bits from qh[l] at bit 2 i; its scale is scales[l / 16 + 2 i].
void q6_k(const std::uint8_t* b, float* y) {
  const std::uint8_t* ql = b;
  const std::uint8_t* qh = b + 128;
  const auto* scales = reinterpret_cast<const std::int8_t*>(b + 192);
  const float d = f16(b + 208);
  for (int half = 0; half < 2; ++half) {
    for (int l = 0; l < 32; ++l) {
      for (int i = 0; i < 4; ++i) {
        const std::uint8_t low_byte = ql[64 * half + l + (i & 1) * 32];
        const int low = (i < 2) ? (low_byte & 0x0F) : (low_byte >> 4);
        const int high = (qh[32 * half + l] >> (2 * i)) & 3;
        const int q = (low | (high << 4)) - 32;
        y[128 * half + 32 * i + l] = d * static_cast<float>(scales[8 * half + l / 16 + 2 * i]) * static_cast<float>(q);
      }
    }
  }
}
}  // namespace

int ggml_block_values(std::uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::f32: case GgmlType::f16: case GgmlType::bf16: return 1;
    case GgmlType::q4_0: case GgmlType::q4_1: case GgmlType::q5_0: case GgmlType::q8_0: return 32;
    case GgmlType::q4_k: case GgmlType::q6_k: return 256;
  }
  throw std::invalid_argument("gguf: tensor type " + ggml_type_name(type) + " is not supported");
}

int ggml_block_bytes(std::uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::f32: return 4;
    case GgmlType::f16: case GgmlType::bf16: return 2;
    case GgmlType::q4_0: return 18;
    case GgmlType::q4_1: return 20;
    case GgmlType::q5_0: return 22;
    case GgmlType::q8_0: return 34;
    case GgmlType::q4_k: return 144;
    case GgmlType::q6_k: return 210;
  }
  throw std::invalid_argument("gguf: tensor type " + ggml_type_name(type) + " is not supported");
}

std::string ggml_type_name(std::uint32_t type) {
  switch (type) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 6: return "Q5_0";
    case 8: return "Q8_0";
    case 12: return "Q4_K";
    case 14: return "Q6_K";
    case 30: return "BF16";
    default: return "type " + std::to_string(type);
  }
}

void dequantize_values(std::uint32_t type, const std::uint8_t* data, std::int64_t n, float* out) {
  const int per = ggml_block_values(type), bytes = ggml_block_bytes(type);
  if (n % per != 0) throw std::invalid_argument("gguf: " + std::to_string(n) + " values are not whole " + ggml_type_name(type) + " blocks");
  for (std::int64_t b = 0; b < n / per; ++b) {
    const std::uint8_t* p = data + b * bytes;
    float* y = out + b * per;
    switch (static_cast<GgmlType>(type)) {
      case GgmlType::f32: std::memcpy(y, p, 4); break;
      case GgmlType::f16: *y = f16(p); break;
      case GgmlType::bf16: *y = bf16(p); break;
      case GgmlType::q4_0: q4_0(p, y); break;
      case GgmlType::q4_1: q4_1(p, y); break;
      case GgmlType::q5_0: q5_0(p, y); break;
      case GgmlType::q8_0: q8_0(p, y); break;
      case GgmlType::q4_k: q4_k(p, y); break;
      case GgmlType::q6_k: q6_k(p, y); break;
    }
  }
}

mx::array dequantize_rows(const GgufFile& f, const GgufTensorInfo& t, std::int64_t row0, std::int64_t rows) {
  const auto raw = f.read_rows(t, row0, rows);
  const std::int64_t cols = t.dims[0];
  std::vector<float> out(static_cast<std::size_t>(rows * cols));
  dequantize_values(t.type, raw.data(), rows * cols, out.data());
  return mx::array(out.data(), {static_cast<int>(rows), static_cast<int>(cols)}, mx::float32);
}

}  // namespace robomlx::serve::detail
