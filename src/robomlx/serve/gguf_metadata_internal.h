// SPDX-License-Identifier: Apache-2.0
// Typed reads of the metadata mx::load_gguf returns (private). Scalars arrive as 0-d arrays of the
// file's type (uint32, float32, bool...), so every read converts through astype rather than
// reinterpreting the bytes. A missing or mistyped key throws std::invalid_argument naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <mlx/io.h>

namespace robomlx::serve::detail {

using GgufMeta = std::unordered_map<std::string, mlx::core::GGUFMetaData>;

std::optional<std::int64_t> gguf_int(const GgufMeta& meta, const std::string& key);
std::int64_t gguf_int_required(const GgufMeta& meta, const std::string& key);
std::optional<double> gguf_float(const GgufMeta& meta, const std::string& key);
std::optional<std::string> gguf_string(const GgufMeta& meta, const std::string& key);
const std::vector<std::string>& gguf_strings(const GgufMeta& meta, const std::string& key);
std::vector<int> gguf_ints(const GgufMeta& meta, const std::string& key);

/// The scalar (number, bool, string) key-values of a GGUF file's header, read without loading its
/// tensors (arrays are skipped), for model discovery. Throws std::invalid_argument on a file that
/// is not GGUF v2/v3 or whose header runs past its end.
struct GgufScalar {
  double number = 0;
  std::string text;
  bool is_text = false;
};
std::unordered_map<std::string, GgufScalar> read_gguf_scalars(const std::string& path);

}  // namespace robomlx::serve::detail
