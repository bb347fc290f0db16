// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/bert_embedding.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/io.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "robomlx/serve/json_field_internal.h"

namespace robomlx::serve {

namespace fs = std::filesystem;

namespace {
constexpr int kBatch = 32;  // texts per forward pass: bounds the padded activations

struct Dense {
  mx::array w, b;
  mx::array apply(const mx::array& x, mx::StreamOrDevice s) const { return mx::add(mx::matmul(x, mx::transpose(w, s), s), b, s); }
};
struct Norm {
  mx::array w, b;
};
struct Layer {
  Dense q, k, v, o, up, down;
  Norm attn_norm, out_norm;
};

nlohmann::json read_json(const fs::path& p, bool required) {
  std::ifstream in(p);
  if (!in) {
    if (required) throw std::invalid_argument("bert: cannot read " + p.string());
    return nlohmann::json::object();
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("bert: " + p.string() + " is not a JSON object");
  return j;
}
}  // namespace

struct BertEmbedding::Weights {
  mx::array word, position, type;
  Norm embed_norm;
  std::vector<Layer> layers;
};

BertEmbedding::~BertEmbedding() = default;

std::unique_ptr<BertEmbedding> BertEmbedding::load(const std::string& folder, BertOptions options) {
  const fs::path dir(folder);
  const auto config = read_json(dir / "config.json", true);
  const std::string config_file = (dir / "config.json").string();
  auto cfg_str = [&](const std::string& key, const std::string& fallback) {
    return detail::json_field(config, key, fallback, "bert", config_file);
  };
  auto cfg_int = [&](const std::string& key, int fallback) { return detail::json_field(config, key, fallback, "bert", config_file); };
  if (cfg_str("model_type", "") != "bert") throw std::invalid_argument("bert: " + folder + " is not a BERT model (config.json model_type)");
  if (cfg_str("hidden_act", "gelu") != "gelu") throw std::invalid_argument("bert: only the erf GELU activation is supported");
  const auto pooling = read_json(dir / "1_Pooling" / "config.json", false);
  const std::string pooling_file = (dir / "1_Pooling" / "config.json").string();
  if (!pooling.empty() && !detail::json_field(pooling, "pooling_mode_mean_tokens", false, "bert", pooling_file))
    throw std::invalid_argument("bert: only mean pooling is supported (1_Pooling/config.json)");

  std::unique_ptr<BertEmbedding> m(new BertEmbedding());
  m->dim_ = cfg_int("hidden_size", 0);
  m->heads_ = cfg_int("num_attention_heads", 0);
  const int layers = cfg_int("num_hidden_layers", 0);
  const int positions = cfg_int("max_position_embeddings", 512);
  m->eps_ = detail::json_field(config, "layer_norm_eps", 1e-12f, "bert", config_file);
  if (m->dim_ <= 0 || m->heads_ <= 0 || layers <= 0 || m->dim_ % m->heads_ != 0)
    throw std::invalid_argument("bert: config.json has no usable hidden_size / num_attention_heads / num_hidden_layers");
  const int st_max = detail::json_field(read_json(dir / "sentence_bert_config.json", false), "max_seq_length", positions, "bert",
                                        (dir / "sentence_bert_config.json").string());
  m->max_tokens_ = std::min(options.max_tokens > 0 ? options.max_tokens : st_max, positions);
  if (m->max_tokens_ < 2) throw std::invalid_argument("bert: max_tokens must be at least 2 ([CLS] and [SEP])");

  m->tokenizer_ = fs::exists(dir / "tokenizer.json") ? WordPieceTokenizer::from_tokenizer_json((dir / "tokenizer.json").string())
                                                     : WordPieceTokenizer::from_vocab_txt((dir / "vocab.txt").string());
  const auto weights_path = dir / "model.safetensors";
  if (!fs::is_regular_file(weights_path)) throw std::invalid_argument("bert: no model.safetensors in " + folder);
  auto [t, meta] = mx::load_safetensors(weights_path.string(), mx::Device::cpu);
  (void)meta;
  auto get = [&](const std::string& name) {
    // Some exports prefix every name with "bert."
    for (const std::string& key : {name, "bert." + name})
      if (auto it = t.find(key); it != t.end()) return mx::astype(it->second, mx::float32);
    throw std::invalid_argument("bert: model.safetensors has no tensor " + name);
  };
  auto dense = [&](const std::string& p) { return Dense{get(p + ".weight"), get(p + ".bias")}; };
  auto norm = [&](const std::string& p) { return Norm{get(p + ".weight"), get(p + ".bias")}; };
  auto w = std::make_unique<Weights>(Weights{get("embeddings.word_embeddings.weight"), get("embeddings.position_embeddings.weight"),
                                             get("embeddings.token_type_embeddings.weight"), norm("embeddings.LayerNorm"), {}});
  for (int l = 0; l < layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    w->layers.push_back(Layer{dense(p + "attention.self.query"), dense(p + "attention.self.key"), dense(p + "attention.self.value"),
                              dense(p + "attention.output.dense"), dense(p + "intermediate.dense"), dense(p + "output.dense"),
                              norm(p + "attention.output.LayerNorm"), norm(p + "output.LayerNorm")});
  }
  if (w->word.shape(0) != m->tokenizer_->vocab_size() || w->word.shape(1) != m->dim_)
    throw std::invalid_argument("bert: the embedding table does not match the vocabulary and hidden size");
  std::vector<mx::array> all{w->word, w->position, w->type, w->embed_norm.w, w->embed_norm.b};
  for (const auto& L : w->layers) {
    for (const Dense* d : {&L.q, &L.k, &L.v, &L.o, &L.up, &L.down}) all.insert(all.end(), {d->w, d->b});
    all.insert(all.end(), {L.attn_norm.w, L.attn_norm.b, L.out_norm.w, L.out_norm.b});
  }
  mx::eval(all);
  std::int64_t bytes = 0;
  for (const auto& a : all) bytes += static_cast<std::int64_t>(a.nbytes());
  m->w_ = std::move(w);
  m->device_ = options.device.value_or(mx::default_device());

  std::string id = options.id;
  if (id.empty()) {
    id = dir.filename().string();
    if (id.empty()) id = dir.parent_path().filename().string();
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char ch) { return std::tolower(ch); });
  }
  m->info_ = ModelInfo{id, "bert", m->max_tokens_, m->tokenizer_->vocab_size(), bytes, 0};
  return m;
}

mx::array BertEmbedding::embed(const std::vector<std::string>& texts, std::vector<int>* token_counts) {
  if (texts.empty()) throw std::invalid_argument("bert: no texts to embed");
  const auto s = mx::default_stream(device_);
  const int heads = heads_, hd = dim_ / heads_;
  std::vector<std::vector<int>> ids;
  for (const auto& text : texts) {
    auto t = tokenizer_->encode(text, true);
    if (static_cast<int>(t.size()) > max_tokens_) {
      t.resize(max_tokens_);
      t.back() = tokenizer_->sep_id();
    }
    ids.push_back(std::move(t));
  }
  if (token_counts) {
    token_counts->clear();
    for (const auto& t : ids) token_counts->push_back(static_cast<int>(t.size()));
  }
  std::vector<mx::array> parts;
  for (std::size_t first = 0; first < ids.size(); first += kBatch) {
    const std::size_t last = std::min(ids.size(), first + kBatch);
    const int B = static_cast<int>(last - first);
    int L = 0;
    for (std::size_t i = first; i < last; ++i) L = std::max(L, static_cast<int>(ids[i].size()));
    std::vector<int> flat(static_cast<std::size_t>(B) * L, std::max(tokenizer_->pad_id(), 0));
    std::vector<float> keep(static_cast<std::size_t>(B) * L, 0.0f);
    for (int b = 0; b < B; ++b)
      for (std::size_t j = 0; j < ids[first + b].size(); ++j) {
        flat[b * L + j] = ids[first + b][j];
        keep[b * L + j] = 1.0f;
      }
    mx::array tok(flat.data(), {B, L}, mx::int32);
    mx::array m(keep.data(), {B, L}, mx::float32);
    mx::array x = mx::add(mx::take(w_->word, tok, 0, s),
                          mx::add(mx::slice(w_->position, {0, 0}, {L, dim_}, s), mx::slice(w_->type, {0, 0}, {1, dim_}, s), s), s);
    x = mx::fast::layer_norm(x, w_->embed_norm.w, w_->embed_norm.b, eps_, s);
    const mx::array mask = mx::reshape(mx::greater(m, mx::array(0.0f), s), {B, 1, 1, L}, s);
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    for (const auto& Ly : w_->layers) {
      auto split = [&](const mx::array& y) { return mx::transpose(mx::reshape(y, {B, L, heads, hd}, s), {0, 2, 1, 3}, s); };
      mx::array a = mx::fast::scaled_dot_product_attention(split(Ly.q.apply(x, s)), split(Ly.k.apply(x, s)),
                                                           split(Ly.v.apply(x, s)), scale, "array", mask, {}, false, s);
      a = mx::reshape(mx::transpose(a, {0, 2, 1, 3}, s), {B, L, dim_}, s);
      x = mx::fast::layer_norm(mx::add(x, Ly.o.apply(a, s), s), Ly.attn_norm.w, Ly.attn_norm.b, eps_, s);
      mx::array h = Ly.up.apply(x, s);
      h = mx::multiply(mx::multiply(h, mx::array(0.5f), s),
                       mx::add(mx::array(1.0f), mx::erf(mx::multiply(h, mx::array(static_cast<float>(M_SQRT1_2)), s), s), s), s);
      x = mx::fast::layer_norm(mx::add(x, Ly.down.apply(h, s), s), Ly.out_norm.w, Ly.out_norm.b, eps_, s);
    }
    // Mean over real tokens, then unit length (sentence-transformers' Pooling + Normalize).
    mx::array mm = mx::expand_dims(m, 2, s);
    mx::array pooled = mx::divide(mx::sum(mx::multiply(x, mm, s), 1, false, s), mx::sum(mm, 1, false, s), s);
    mx::array norm = mx::sqrt(mx::sum(mx::square(pooled, s), 1, true, s), s);
    parts.push_back(mx::divide(pooled, mx::maximum(norm, mx::array(1e-12f), s), s));
  }
  mx::array out = parts.size() == 1 ? parts[0] : mx::concatenate(parts, 0, s);
  mx::eval(out);
  return out;
}

}  // namespace robomlx::serve
