// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/llama_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <mlx/io.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/gguf_metadata_internal.h"
#include "robomlx/serve/llama_model_internal.h"

namespace robomlx::serve {

namespace {
using Tensors = std::unordered_map<std::string, mx::array>;

DecoderLinear linear(const Tensors& t, const std::string& name) {
  auto it = t.find(name + ".weight");
  if (it == t.end()) throw std::invalid_argument("llama: GGUF has no tensor " + name + ".weight");
  DecoderLinear out{it->second, std::nullopt, std::nullopt, 0};
  if (auto sc = t.find(name + ".scales"); sc != t.end()) {
    out.scales = sc->second;
    auto bi = t.find(name + ".biases");
    // load_gguf's affine layout always has biases (Q4_0 / Q8_0 get -8 s / -128 s).
    if (bi == t.end()) throw std::invalid_argument("llama: " + name + " has scales but no biases");
    out.biases = bi->second;
    const int in = sc->second.shape(-1) * 32;
    out.bits = out.w.shape(-1) * 32 / in;
    if (out.bits != 4 && out.bits != 8) throw std::invalid_argument("llama: " + name + " has an unsupported quantization");
  }
  return out;
}

mx::array vector_of(const Tensors& t, const std::string& name, mx::Dtype dtype) {
  auto it = t.find(name);
  if (it == t.end()) throw std::invalid_argument("llama: GGUF has no tensor " + name);
  return mx::astype(it->second, dtype);
}

// The default system message of a ChatML template that adds one when the chat has none (SmolLM2:
// "{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n...<|im_end|>\n' }}").
std::string default_system(const std::string& tmpl) {
  const std::string open = "<|im_start|>system\n";
  const auto at = tmpl.find(open);
  if (at == std::string::npos || tmpl.find("!= 'system'") == std::string::npos) return {};
  const auto end = tmpl.find("<|im_end|>", at);
  if (end == std::string::npos) return {};
  return tmpl.substr(at + open.size(), end - at - open.size());
}
}  // namespace

LlamaModel::~LlamaModel() = default;

std::unique_ptr<LlamaModel> LlamaModel::load(const std::string& path, LlamaOptions options) {
  if (!std::filesystem::is_regular_file(path)) throw std::invalid_argument("llama: no such file " + path);
  auto [tensors, meta] = mx::load_gguf(path, mx::Device::cpu);
  if (detail::gguf_string(meta, "general.architecture") != "llama")
    throw std::invalid_argument("llama: " + path + " is not a llama-architecture GGUF");
  std::unique_ptr<LlamaModel> m(new LlamaModel());
  LlamaConfig& c = m->config_;
  c.layers = static_cast<int>(detail::gguf_int_required(meta, "llama.block_count"));
  c.dim = static_cast<int>(detail::gguf_int_required(meta, "llama.embedding_length"));
  c.hidden = static_cast<int>(detail::gguf_int_required(meta, "llama.feed_forward_length"));
  c.heads = static_cast<int>(detail::gguf_int_required(meta, "llama.attention.head_count"));
  c.kv_heads = static_cast<int>(detail::gguf_int(meta, "llama.attention.head_count_kv").value_or(c.heads));
  c.head_dim = static_cast<int>(detail::gguf_int(meta, "llama.attention.key_length").value_or(c.dim / c.heads));
  c.rope_dims = static_cast<int>(detail::gguf_int(meta, "llama.rope.dimension_count").value_or(c.head_dim));
  c.context = static_cast<int>(detail::gguf_int(meta, "llama.context_length").value_or(2048));
  c.rope_base = static_cast<float>(detail::gguf_float(meta, "llama.rope.freq_base").value_or(10000.0));
  c.rms_eps = static_cast<float>(detail::gguf_float(meta, "llama.attention.layer_norm_rms_epsilon").value_or(1e-5));
  if (auto scaling = detail::gguf_string(meta, "llama.rope.scaling.type"); scaling && *scaling != "none")
    throw std::invalid_argument("llama: RoPE scaling '" + *scaling + "' is not supported");
  if (c.heads % c.kv_heads != 0) throw std::invalid_argument("llama: head_count is not a multiple of head_count_kv");

  m->tokenizer_ = BpeTokenizer::from_gguf(meta);
  c.vocab = m->tokenizer_->vocab_size();
  m->chat_template_ = detail::gguf_string(meta, "tokenizer.chat_template").value_or("");

  m->device_ = options.device.value_or(mx::default_device());
  m->dtype_ = options.dtype.value_or(m->device_ == mx::Device::cpu ? mx::float32 : mx::float16);
  auto w = std::make_unique<Weights>(Weights{linear(tensors, "token_embd"), std::nullopt,
                                             vector_of(tensors, "output_norm.weight", m->dtype_), {}, {}});
  if (tensors.count("output.weight")) w->output = linear(tensors, "output");
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w->layers.push_back(LlamaLayer{vector_of(tensors, p + "attn_norm.weight", m->dtype_),
                                   vector_of(tensors, p + "ffn_norm.weight", m->dtype_),
                                   FusedLinear::make({linear(tensors, p + "attn_q"), linear(tensors, p + "attn_k"),
                                                      linear(tensors, p + "attn_v")}),
                                   FusedLinear::make({linear(tensors, p + "ffn_gate"), linear(tensors, p + "ffn_up")}),
                                   linear(tensors, p + "attn_output"), linear(tensors, p + "ffn_down")});
  }
  if (m->device_ == mx::Device::cpu) w->rope = make_rope_tables(c.context, c.head_dim, c.rope_dims, c.rope_base, false, m->dtype_);
  if (w->embed.w.shape(0) != c.vocab) throw std::invalid_argument("llama: token_embd rows differ from the vocabulary size");
  m->w_ = std::move(w);

  LoadedArrays loaded;
  loaded.linear(m->w_->embed);
  if (m->w_->output) loaded.linear(*m->w_->output);
  loaded.weight(m->w_->out_norm);
  loaded.tables(m->w_->rope);
  for (const auto& L : m->w_->layers) {
    loaded.weight(L.attn_norm);
    loaded.weight(L.ffn_norm);
    loaded.linear(L.qkv);
    loaded.linear(L.gate_up);
    loaded.linear(L.o);
    loaded.linear(L.down);
  }
  loaded.eval();
  const int context = options.max_context > 0 ? std::min(options.max_context, c.context) : c.context;
  m->set_model(options.id, path, "llama", context, c.vocab, loaded.bytes, {c.layers, c.kv_heads, c.head_dim, c.dim});
  return m;
}

std::string LlamaModel::chat_prompt(const std::vector<ChatMessage>& messages) const {
  if (chat_template_.find("<|im_start|>") == std::string::npos)
    throw std::logic_error("llama: " + info_.id + " has no ChatML chat template");
  std::string out;
  const std::string system = default_system(chat_template_);
  if (!system.empty() && (messages.empty() || messages.front().role != "system"))
    out += "<|im_start|>system\n" + system + "<|im_end|>\n";
  for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  return out + "<|im_start|>assistant\n";
}

}  // namespace robomlx::serve
