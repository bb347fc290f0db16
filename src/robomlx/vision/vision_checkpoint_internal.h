// SPDX-License-Identifier: Apache-2.0
// Private: reading a Hugging Face checkpoint folder (config.json + model.safetensors) for the
// vision models. Shared by the CLIP and SAM loaders so both apply the same rules:
// - the safetensors header is checked against the file size before MLX maps it (a truncated file
//   is a FormatError naming the first tensor that runs past the end, not a crash later);
// - weights may be float32, float16 or bfloat16 (cast to the compute dtype); other dtypes are
//   refused by tensor name, except int64 `position_ids` buffers, which hold no weights;
// - every tensor the model needs is taken by name with its PyTorch shape checked; afterwards any
//   tensor nobody took is reported by name (a checkpoint of another variant is not half-loaded);
// - config.json sections are read through ConfigSection: each key the code uses is read once with
//   its type and range; keys that only matter for training or generation are listed as inert;
//   any other key is refused, so a setting the code would silently ignore never passes.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <mlx/array.h>
#include <nlohmann/json.hpp>

namespace robomlx::vision::detail {

namespace mx = mlx::core;

/// Reads a JSON object file; FormatError "[<tag>] <path>: ..." when missing or not an object.
nlohmann::json read_json_object(const std::string& path, const std::string& tag);

/// One object of config.json (the root, "text_config", "vision_config", ...).
class ConfigSection {
 public:
  ConfigSection(nlohmann::json j, std::string file, std::string where, std::string tag);
  int integer(const std::string& key, int def, int lo, int hi);
  double number(const std::string& key, double def, double lo, double hi);
  bool boolean(const std::string& key, bool def);
  std::string text(const std::string& key, const std::string& def, const std::vector<std::string>& allowed);
  std::vector<int> integers(const std::string& key, const std::vector<int>& def, int lo, int hi);
  /// Sub-object (empty when absent or null); marks the key used.
  nlohmann::json object(const std::string& key);
  /// Keys that do not change inference (dropout, initialisers, generation settings).
  void inert(const std::vector<std::string>& keys);
  /// Throws "[tag] file: config field <where>.<key> is not supported by robomlx" for the first key
  /// neither read nor declared inert.
  void finish() const;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const nlohmann::json* find(const std::string& key);
  nlohmann::json j_;
  std::string file_, where_, tag_;
  std::set<std::string> used_;
};

/// The keys every PretrainedConfig may carry that do not change a forward pass.
const std::vector<std::string>& pretrained_config_inert_keys();

/// Tensors of one model.safetensors, taken by name.
class TensorStore {
 public:
  /// Validates the header, loads with MLX (on the CPU) and remembers the file for messages.
  TensorStore(const std::string& path, mx::Dtype compute_dtype, const std::string& tag);

  bool has(const std::string& key) const { return tensors_.count(key) != 0; }
  /// The tensor `key`, checked against `shape` (PyTorch layout), cast to the compute dtype.
  mx::array take(const std::string& key, const mx::Shape& shape);
  /// A Conv2d weight [out, in, kh, kw] as MLX wants it: [out, kh, kw, in].
  mx::array take_conv(const std::string& key, const mx::Shape& shape);
  /// A ConvTranspose2d weight [in, out, kh, kw] as mx::conv_transpose2d wants it: [out, kh, kw, in].
  mx::array take_conv_transpose(const std::string& key, const mx::Shape& shape);
  /// A tensor that may be present and is not needed (tied copies, position_ids buffers).
  void drop(const std::string& key);
  /// Throws naming every tensor not taken (at most 8 names, then a count).
  void finish() const;
  /// The dtype the file stores its weights in (the first floating tensor's).
  mx::Dtype stored_dtype() const { return stored_dtype_; }
  /// Everything taken so far (to evaluate once, after loading).
  std::vector<mx::array>& taken() { return taken_; }

 private:
  std::string path_, tag_;
  mx::Dtype compute_;
  mx::Dtype stored_dtype_ = mx::float32;
  std::unordered_map<std::string, mx::array> tensors_;
  std::set<std::string> used_;
  std::vector<mx::array> taken_;
};

/// "[2, 3, 4]".
std::string shape_text(const mx::Shape& shape);

}  // namespace robomlx::vision::detail
