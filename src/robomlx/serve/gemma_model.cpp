// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/gemma_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/gemma_model_internal.h"
#include "robomlx/serve/gguf_reader_internal.h"

namespace robomlx::serve {

namespace {
constexpr int kGroup = DecoderLinear::kGroup;
constexpr std::int64_t kChunkValues = std::int64_t{1} << 22;  // float32 rows dequantized at a time (16 MB)

// Tensor `name` dequantized and requantized by mx::quantize (gemma_model.h: why these bits).
DecoderLinear linear(const detail::GgufFile& f, const std::string& name) {
  const auto& t = f.tensor(name + ".weight");
  if (t.dims.size() != 2) throw std::invalid_argument("gemma: " + f.path + ": " + t.name + " is not a matrix");
  const int bits = 8;  // for every source type: gemma_model.h says why not 4 for Q4_K
  if (t.dims[0] % kGroup != 0) throw std::invalid_argument("gemma: " + f.path + ": " + t.name + " rows are not groups of 32");
  const std::int64_t rows = t.rows(), step = std::max<std::int64_t>(1, kChunkValues / t.dims[0]);
  std::vector<mx::array> w, scales, biases;
  for (std::int64_t r = 0; r < rows; r += step) {
    auto q = mx::quantize(detail::dequantize_rows(f, t, r, std::min(step, rows - r)), kGroup, bits, "affine", std::nullopt,
                          mx::Device::cpu);
    mx::eval(q);  // bound the float32 copy to one chunk
    w.push_back(q[0]);
    scales.push_back(q[1]);
    biases.push_back(q[2]);
  }
  auto join = [](const std::vector<mx::array>& parts) { return parts.size() == 1 ? parts[0] : mx::concatenate(parts, 0); };
  return DecoderLinear{join(w), join(scales), join(biases), bits};
}

mx::array vector_of(const detail::GgufFile& f, const std::string& name, mx::Dtype dtype) {
  const auto& t = f.tensor(name);
  if (t.dims.size() != 1) throw std::invalid_argument("gemma: " + f.path + ": " + name + " is not a vector");
  return mx::astype(mx::reshape(detail::dequantize_rows(f, t, 0, 1), {static_cast<int>(t.dims[0])}), dtype);
}
}  // namespace

GemmaModel::~GemmaModel() = default;

std::unique_ptr<GemmaModel> GemmaModel::load(const std::string& path, GemmaOptions options) {
  const detail::GgufFile f = detail::read_gguf(path);
  const auto& meta = f.meta;
  if (detail::gguf_string(meta, "general.architecture") != "gemma3")
    throw std::invalid_argument("gemma: " + path + " is not a gemma3-architecture GGUF");
  std::unique_ptr<GemmaModel> m(new GemmaModel());
  GemmaConfig& c = m->config_;
  auto num = [&](const char* key) { return static_cast<int>(detail::gguf_int_required(meta, std::string("gemma3.") + key)); };
  c.layers = num("block_count");
  c.dim = num("embedding_length");
  c.hidden = num("feed_forward_length");
  c.heads = num("attention.head_count");
  c.kv_heads = static_cast<int>(detail::gguf_int(meta, "gemma3.attention.head_count_kv").value_or(c.heads));
  c.head_dim = static_cast<int>(detail::gguf_int(meta, "gemma3.attention.key_length").value_or(c.dim / c.heads));
  c.context = static_cast<int>(detail::gguf_int(meta, "gemma3.context_length").value_or(8192));
  c.sliding_window = options.sliding_window > 0 ? options.sliding_window : num("attention.sliding_window");
  c.rope_base = static_cast<float>(detail::gguf_float(meta, "gemma3.rope.freq_base").value_or(1e6));
  c.rms_eps = static_cast<float>(detail::gguf_float(meta, "gemma3.attention.layer_norm_rms_epsilon").value_or(1e-6));
  c.softcap = static_cast<float>(detail::gguf_float(meta, "gemma3.final_logit_softcapping").value_or(0.0));
  c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));  // query_pre_attn_scalar = head_dim (270M)
  if (auto scaling = detail::gguf_string(meta, "gemma3.rope.scaling.type"); scaling && *scaling != "none")
    throw std::invalid_argument("gemma: RoPE scaling '" + *scaling + "' is not supported");
  if (c.heads % c.kv_heads != 0) throw std::invalid_argument("gemma: head_count is not a multiple of head_count_kv");

  m->tokenizer_ = SpmTokenizer::from_gguf(meta);
  c.vocab = m->tokenizer_->vocab_size();
  m->device_ = options.device.value_or(mx::default_device());
  m->dtype_ = options.dtype.value_or(m->device_ == mx::Device::cpu ? mx::float32 : mx::bfloat16);
  const int context = std::min(c.context, options.max_context > 0 ? options.max_context : 8192);

  const mx::Dtype dt = m->dtype_;
  auto w = std::make_unique<Weights>(Weights{linear(f, "token_embd"), vector_of(f, "output_norm.weight", dt), {}, {}, {}});
  if (w->embed.w.shape(0) != c.vocab) throw std::invalid_argument("gemma: token_embd rows differ from the vocabulary size");
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w->layers.push_back(GemmaLayer{
        vector_of(f, p + "attn_norm.weight", dt), vector_of(f, p + "post_attention_norm.weight", dt),
        vector_of(f, p + "ffn_norm.weight", dt), vector_of(f, p + "post_ffw_norm.weight", dt),
        vector_of(f, p + "attn_q_norm.weight", dt), vector_of(f, p + "attn_k_norm.weight", dt), 
        FusedLinear::make({linear(f, p + "attn_q"), linear(f, p + "attn_k"), linear(f, p + "attn_v")}),
        FusedLinear::make({linear(f, p + "ffn_gate"), linear(f, p + "ffn_up")}), linear(f, p + "attn_output"),
        linear(f, p + "ffn_down")});
  }
  if (m->device_ == mx::Device::cpu) {
    w->rope_global = make_rope_tables(context, c.head_dim, c.head_dim, c.rope_base, true, dt);
    w->rope_local = make_rope_tables(context, c.head_dim, c.head_dim, c.rope_base_local, true, dt);
  }
  m->w_ = std::move(w);

  LoadedArrays loaded;
  loaded.linear(m->w_->embed);
  loaded.weight(m->w_->out_norm);
  for (const auto& L : m->w_->layers) {
    for (const auto* v : {&L.attn_norm, &L.post_attn_norm, &L.ffn_norm, &L.post_ffn_norm, &L.q_norm, &L.k_norm}) loaded.weight(*v);
    loaded.linear(L.qkv);
    loaded.linear(L.gate_up);
    loaded.linear(L.o);
    loaded.linear(L.down);
  }
  loaded.tables(m->w_->rope_global);
  loaded.tables(m->w_->rope_local);
  loaded.eval();
  m->set_model(options.id, path, "gemma3", context, c.vocab, loaded.bytes, {c.layers, c.kv_heads, c.head_dim, c.dim});
  return m;
}

std::string GemmaModel::chat_prompt(const std::vector<ChatMessage>& messages) const {
  std::string out, system;
  for (const auto& msg : messages) {
    if (msg.role == "system") {
      system += msg.content + "\n\n";
      continue;
    }
    const std::string role = msg.role == "assistant" ? "model" : msg.role;
    out += "<start_of_turn>" + role + "\n" + (role == "user" ? system : std::string()) + msg.content + "<end_of_turn>\n";
    if (role == "user") system.clear();
  }
  return out + "<start_of_turn>model\n";
}

}  // namespace robomlx::serve
