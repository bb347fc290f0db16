// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <mlx/io.h>
#include <mlx/ops.h>

#include "robomlx/core/error.h"
#include "robomlx/vision/vision_checkpoint_internal.h"

namespace robomlx::vision::detail {

namespace fs = std::filesystem;
using nlohmann::json;

std::string shape_text(const mx::Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

json read_json_object(const std::string& path, const std::string& tag) {
  if (!fs::is_regular_file(path)) throw FormatError(tag, path, "missing (a Hugging Face checkpoint folder needs it)");
  std::ifstream in(path, std::ios::binary);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(tag, path, "not a JSON object");
  return j;
}

// ---------------------------------------------------------------------------------------------
ConfigSection::ConfigSection(json j, std::string file, std::string where, std::string tag)
    : j_(std::move(j)), file_(std::move(file)), where_(std::move(where)), tag_(std::move(tag)) {}

void ConfigSection::fail(const std::string& key, const std::string& what) const {
  throw FormatError(tag_, file_, "config field " + (where_.empty() ? "" : where_ + ".") + key + " " + what);
}

const json* ConfigSection::find(const std::string& key) {
  used_.insert(key);
  auto it = j_.find(key);
  return it == j_.end() || it->is_null() ? nullptr : &*it;
}

int ConfigSection::integer(const std::string& key, int def, int lo, int hi) {
  const json* v = find(key);
  if (!v) return def;
  if (!v->is_number_integer()) fail(key, "must be an integer, got " + v->dump());
  const auto x = v->get<std::int64_t>();
  if (x < lo || x > hi) fail(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + v->dump());
  return int(x);
}

double ConfigSection::number(const std::string& key, double def, double lo, double hi) {
  const json* v = find(key);
  if (!v) return def;
  if (!v->is_number()) fail(key, "must be a number, got " + v->dump());
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi)) fail(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + v->dump());
  return x;
}

bool ConfigSection::boolean(const std::string& key, bool def) {
  const json* v = find(key);
  if (!v) return def;
  if (!v->is_boolean()) fail(key, "must be true or false, got " + v->dump());
  return v->get<bool>();
}

std::string ConfigSection::text(const std::string& key, const std::string& def, const std::vector<std::string>& allowed) {
  const json* v = find(key);
  if (!v) return def;
  if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
  const auto s = v->get<std::string>();
  if (allowed.empty()) return s;
  std::string list;
  for (const auto& a : allowed) {
    if (s == a) return s;
    list += (list.empty() ? "" : ", ") + a;
  }
  fail(key, "is not supported by robomlx (supported: " + list + "), got \"" + s + "\"");
}

std::vector<int> ConfigSection::integers(const std::string& key, const std::vector<int>& def, int lo, int hi) {
  const json* v = find(key);
  if (!v) return def;
  if (!v->is_array()) fail(key, "must be a list of integers, got " + v->dump());
  std::vector<int> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() || e.get<std::int64_t>() < lo || e.get<std::int64_t>() > hi)
      fail(key, "must hold integers in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + v->dump());
    out.push_back(e.get<int>());
  }
  return out;
}

json ConfigSection::object(const std::string& key) {
  const json* v = find(key);
  if (!v) return json::object();
  if (!v->is_object()) fail(key, "must be an object, got " + v->dump().substr(0, 40));
  return *v;
}

void ConfigSection::inert(const std::vector<std::string>& keys) { used_.insert(keys.begin(), keys.end()); }

void ConfigSection::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it)
    if (!used_.count(it.key())) fail(it.key(), "is not supported by robomlx (a setting it would ignore), got " + it->dump().substr(0, 60));
}

const std::vector<std::string>& pretrained_config_inert_keys() {
  // PretrainedConfig's generic attributes: bookkeeping, training and text-generation settings.
  static const std::vector<std::string> keys = {
      "_name_or_path", "_commit_hash", "_attn_implementation_autoset", "architectures", "transformers_version",
      "model_type", "dtype", "torch_dtype", "use_bfloat16", "return_dict", "output_hidden_states",
      "output_attentions", "torchscript", "tf_legacy_loss", "pruned_heads", "tie_word_embeddings",
      "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder", "cross_attention_hidden_size",
      "add_cross_attention", "tie_encoder_decoder", "max_length", "min_length", "do_sample", "early_stopping",
      "num_beams", "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p", "typical_p",
      "repetition_penalty", "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
      "bad_words_ids", "num_return_sequences", "output_scores", "return_dict_in_generate",
      "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty",
      "suppress_tokens", "begin_suppress_tokens", "finetuning_task", "id2label", "label2id", "tokenizer_class",
      "prefix", "sep_token_id", "decoder_start_token_id", "task_specific_params", "problem_type",
      "gradient_checkpointing", "dropout", "attention_dropout", "hidden_dropout_prob", "initializer_range",
      "initializer_factor", "num_labels", "is_composition"};
  return keys;
}

// ---------------------------------------------------------------------------------------------
namespace {

int dtype_bytes(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16") return 2;
  if (d == "I64" || d == "F64") return 8;
  if (d == "U8" || d == "I8" || d == "BOOL") return 1;
  return 0;
}

bool is_position_ids(const std::string& key) {
  return key.size() >= 12 && key.compare(key.size() - 12, 12, "position_ids") == 0;
}

// The safetensors layout: u64 header length, JSON header, then the data block. MLX trusts the
// offsets, so a truncated or inconsistent file is refused here, by tensor name.
void check_safetensors_header(const std::string& path, const std::string& tag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(tag, path, "cannot be read");
  in.seekg(0, std::ios::end);
  const std::uint64_t size = std::uint64_t(in.tellg());
  in.seekg(0);
  unsigned char len_bytes[8] = {};
  if (size < 8 || !in.read(reinterpret_cast<char*>(len_bytes), 8)) throw FormatError(tag, path, "truncated (no safetensors header)");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > size - 8 || n > (std::uint64_t(100) << 20)) throw FormatError(tag, path, "truncated or not a safetensors file (header length " + std::to_string(n) + ")");
  std::string header(n, '\0');
  in.read(header.data(), std::streamsize(n));
  const json h = json::parse(header, nullptr, false);
  if (h.is_discarded() || !h.is_object()) throw FormatError(tag, path, "safetensors header is not a JSON object");
  const std::uint64_t data = size - 8 - n;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const json& t = *it;
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
      throw FormatError(tag, path, "tensor " + it.key() + ": header entry needs dtype, shape and data_offsets");
    const std::string dt = t["dtype"].is_string() ? t["dtype"].get<std::string>() : "";
    const bool weight_dtype = dt == "F32" || dt == "F16" || dt == "BF16";
    if (!weight_dtype && !(dt == "I64" && is_position_ids(it.key())))
      throw FormatError(tag, path, "tensor " + it.key() + ": dtype must be F32, F16 or BF16, got " + t["dtype"].dump());
    std::uint64_t count = 1;
    for (const auto& d : t["shape"]) {
      if (!d.is_number_unsigned()) throw FormatError(tag, path, "tensor " + it.key() + ": bad shape " + t["shape"].dump());
      count *= d.get<std::uint64_t>();
    }
    const auto& off = t["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw FormatError(tag, path, "tensor " + it.key() + ": bad data_offsets");
    const auto b = off[0].get<std::uint64_t>(), e = off[1].get<std::uint64_t>();
    if (e < b || e - b != count * std::uint64_t(dtype_bytes(dt)))
      throw FormatError(tag, path, "tensor " + it.key() + ": data_offsets do not match its shape and dtype");
    if (e > data)
      throw FormatError(tag, path, "truncated: tensor " + it.key() + " ends at byte " + std::to_string(e) + " of a " +
                                       std::to_string(data) + "-byte data block");
  }
}

}  // namespace

TensorStore::TensorStore(const std::string& path, mx::Dtype compute_dtype, const std::string& tag)
    : path_(path), tag_(tag), compute_(compute_dtype) {
  if (!fs::is_regular_file(path)) throw FormatError(tag, path, "missing (a Hugging Face checkpoint folder needs model.safetensors)");
  check_safetensors_header(path, tag);
  try {
    tensors_ = mx::load_safetensors(path, mx::Device::cpu).first;
  } catch (const std::exception& e) {
    throw FormatError(tag, path, std::string("cannot be loaded: ") + e.what());
  }
  for (const auto& [k, v] : tensors_)
    if (mx::issubdtype(v.dtype(), mx::floating)) {
      stored_dtype_ = v.dtype();
      break;
    }
}

mx::array TensorStore::take(const std::string& key, const mx::Shape& shape) {
  auto it = tensors_.find(key);
  if (it == tensors_.end()) throw FormatError(tag_, path_, "missing tensor " + key + " (expected shape " + shape_text(shape) + ")");
  if (it->second.shape() != shape)
    throw FormatError(tag_, path_, "tensor " + key + " has shape " + shape_text(it->second.shape()) + ", config.json implies " + shape_text(shape));
  used_.insert(key);
  mx::array a = mx::astype(it->second, compute_, mx::Device::cpu);
  taken_.push_back(a);
  return a;
}

mx::array TensorStore::take_conv(const std::string& key, const mx::Shape& shape) {
  mx::array w = mx::transpose(take(key, shape), {0, 2, 3, 1}, mx::Device::cpu);
  taken_.back() = w;
  return w;
}

mx::array TensorStore::take_conv_transpose(const std::string& key, const mx::Shape& shape) {
  mx::array w = mx::transpose(take(key, shape), {1, 2, 3, 0}, mx::Device::cpu);
  taken_.back() = w;
  return w;
}

void TensorStore::drop(const std::string& key) { used_.insert(key); }

void TensorStore::finish() const {
  std::vector<std::string> unknown;
  for (const auto& [k, v] : tensors_)
    if (!used_.count(k) && !is_position_ids(k)) unknown.push_back(k);
  if (unknown.empty()) return;
  std::sort(unknown.begin(), unknown.end());
  std::string list;
  for (std::size_t i = 0; i < unknown.size() && i < 8; ++i) list += (i ? ", " : "") + unknown[i];
  if (unknown.size() > 8) list += " and " + std::to_string(unknown.size() - 8) + " more";
  throw FormatError(tag_, path_, std::to_string(unknown.size()) + " unknown tensor(s) for this config: " + list);
}

}  // namespace robomlx::vision::detail
