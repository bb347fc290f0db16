// SPDX-License-Identifier: Apache-2.0
// A GGUF reader of our own (private), for files mx::load_gguf cannot load: it throws on Q5_0 and
// turns Q4_K / Q6_K into float16 (Gemma 3 270M's Q4_K_M file mixes all three with Q8_0). Reads the
// header (metadata into the same variant map load_gguf returns, so gguf_metadata_internal.h's typed
// reads work on both), the tensor table, and a tensor's bytes on demand; every length, count and
// offset is checked against the file size, and errors name the file (and the key or tensor).
//
// Dequantization follows the block layouts of the GGML format (ggml's quantization types):
//   Q8_0  32 values: f16 d, int8 q[32]                            x = d q
//   Q5_0  32 values: f16 d, u8 qh[4], u8 qs[16]                   x = d (q - 16); q = low/high nibble
//         of qs[j] (values j and j + 16) with bit j / j + 16 of the 32-bit qh as the fifth bit
//   Q4_0  32 values: f16 d, u8 qs[16]                             x = d (q - 8), same nibble order
//   Q4_1  32 values: f16 d, f16 m, u8 qs[16]                      x = d q + m
//   Q4_K  256 values: f16 d, f16 dmin, u8 scales[12], u8 qs[128]; 8 sub-blocks of 32 with 6-bit
//         scale sc and min mn packed in `scales`: x = d sc q - dmin mn. Each 64 values take 32 bytes
//         of qs, the low nibbles the first 32 values, the high nibbles the next 32
//   Q6_K  256 values: u8 ql[128], u8 qh[64], int8 scales[16], f16 d; 16 sub-blocks of 16:
//         x = d scales[s] (q - 32), q = 4 bits of ql + 2 bits of qh (see gguf_reader_dequantize.cpp)
//   F32, F16, BF16 as they are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mlx/array.h>

#include "robomlx/serve/gguf_metadata_internal.h"

namespace robomlx::serve::detail {

/// GGML tensor types this reader knows (values as the GGUF file stores them).
enum class GgmlType : std::uint32_t {
  f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q8_0 = 8, q4_k = 12, q6_k = 14, bf16 = 30,
};

/// Values per block and bytes per block of `type`; throws std::invalid_argument for a type this
/// reader cannot dequantize.
int ggml_block_values(std::uint32_t type);
int ggml_block_bytes(std::uint32_t type);
/// "Q4_K", "F32", ... ("type 7" for others), for messages.
std::string ggml_type_name(std::uint32_t type);

struct GgufTensorInfo {
  std::string name;
  std::vector<std::int64_t> dims;  // GGUF order: dims[0] is the row length (innermost)
  std::uint32_t type = 0;
  std::uint64_t offset = 0;  // absolute, in the file
  std::uint64_t bytes = 0;
  std::int64_t rows() const;  // product of dims[1..]
};

struct GgufFile {
  std::string path;
  std::uint64_t size = 0;
  GgufMeta meta;
  std::vector<GgufTensorInfo> tensors;

  /// The tensor called `name`; throws std::invalid_argument naming the file when there is none.
  const GgufTensorInfo& tensor(const std::string& name) const;
  bool has(const std::string& name) const;
  /// Raw bytes of rows [row0, row0 + rows) of `t`.
  std::vector<std::uint8_t> read_rows(const GgufTensorInfo& t, std::int64_t row0, std::int64_t rows) const;
};

/// Parses the header and tensor table of `path` (no tensor data is read). Throws
/// std::invalid_argument for a file that is not GGUF v2/v3 or is inconsistent.
GgufFile read_gguf(const std::string& path);

/// Dequantizes `n` values (a multiple of the type's block) of `type` from `data` into `out`.
void dequantize_values(std::uint32_t type, const std::uint8_t* data, std::int64_t n, float* out);

/// Rows [row0, row0 + rows) of tensor `t` as float32 [rows, dims[0]].
mlx::core::array dequantize_rows(const GgufFile& f, const GgufTensorInfo& t, std::int64_t row0, std::int64_t rows);

}  // namespace robomlx::serve::detail
