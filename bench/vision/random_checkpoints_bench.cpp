// SPDX-License-Identifier: Apache-2.0
// Random Hugging Face checkpoints for `robomlx bench vision`: config.json with the sizes, every
// tensor of the real key list (N(0, 0.02); LayerNorm weights 1), saved with MLX's safetensors writer.
#include <algorithm>
#include <fstream>
#include <string>
#include <unordered_map>

#include <mlx/io.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <nlohmann/json.hpp>

#include "vision_bench.h"

namespace robomlx::vision {

namespace mx = mlx::core;

namespace {

struct Tensors {
  std::unordered_map<std::string, mx::array> map;
  int seed = 1;
  void rand(const std::string& k, mx::Shape shape) { map.insert_or_assign(k, mx::random::normal(shape, mx::float32, 0.0f, 0.02f, mx::random::key(seed++))); }
  void ones(const std::string& k, mx::Shape shape) { map.insert_or_assign(k, mx::ones(shape, mx::float32)); }
  void linear(const std::string& p, int in, int out, bool bias = true) {
    rand(p + ".weight", {out, in});
    if (bias) rand(p + ".bias", {out});
  }
  void norm(const std::string& p, int d) {
    ones(p + ".weight", {d});
    rand(p + ".bias", {d});
  }
  void save(const std::string& dir) { mx::save_safetensors(dir + "/model.safetensors", map, {{"format", "pt"}}); }
};

void write_json(const std::string& path, const nlohmann::json& j) { std::ofstream(path) << j.dump(2); }

}  // namespace

void write_random_clip(const std::string& dir, bool quick) {
  const int tw = quick ? 64 : 512, vw = quick ? 64 : 768, layers = quick ? 2 : 12, proj = quick ? 32 : 512;
  const int theads = quick ? 4 : 8, vheads = quick ? 4 : 12, vocab = 49408, patch = 32, grid = 224 / patch;
  write_json(dir + "/config.json", {{"model_type", "clip"}, {"projection_dim", proj},
      {"text_config", {{"hidden_size", tw}, {"intermediate_size", 4 * tw}, {"num_hidden_layers", layers}, {"num_attention_heads", theads},
                       {"max_position_embeddings", 77}, {"vocab_size", vocab}, {"eos_token_id", 49407}, {"hidden_act", "quick_gelu"}}},
      {"vision_config", {{"hidden_size", vw}, {"intermediate_size", 4 * vw}, {"num_hidden_layers", layers}, {"num_attention_heads", vheads},
                         {"image_size", 224}, {"patch_size", patch}, {"hidden_act", "quick_gelu"}}}});
  // A synthetic vocabulary of the real size: the byte symbols, their "</w>" forms, fillers, and
  // the two specials; one merge so that merges.txt is not empty.
  nlohmann::json v = nlohmann::json::object();
  int id = 0, next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const int cp = printable ? b : next++;
    std::string s;
    if (cp < 0x80) s = std::string(1, char(cp));
    else s = {char(0xC0 | (cp >> 6)), char(0x80 | (cp & 0x3F))};
    v[s] = id, v[s + "</w>"] = id + 256, ++id;
  }
  v["ab"] = 512;
  for (int i = 513; i < vocab - 2; ++i) v["<filler" + std::to_string(i) + ">"] = i;
  v["<|startoftext|>"] = vocab - 2, v["<|endoftext|>"] = vocab - 1;
  std::ofstream(dir + "/vocab.json") << v.dump();
  std::ofstream(dir + "/merges.txt") << "#version: 0.2\na b\n";

  Tensors t;
  auto encoder = [&](const std::string& p, int d) {
    for (int i = 0; i < layers; ++i) {
      const std::string q = p + ".encoder.layers." + std::to_string(i);
      for (const char* n : {"q_proj", "k_proj", "v_proj", "out_proj"}) t.linear(q + ".self_attn." + n, d, d);
      t.norm(q + ".layer_norm1", d), t.norm(q + ".layer_norm2", d);
      t.linear(q + ".mlp.fc1", d, 4 * d), t.linear(q + ".mlp.fc2", 4 * d, d);
    }
  };
  t.rand("text_model.embeddings.token_embedding.weight", {vocab, tw});
  t.rand("text_model.embeddings.position_embedding.weight", {77, tw});
  encoder("text_model", tw);
  t.norm("text_model.final_layer_norm", tw);
  t.linear("text_projection", tw, proj, false);
  t.rand("vision_model.embeddings.class_embedding", {vw});
  t.rand("vision_model.embeddings.patch_embedding.weight", {vw, 3, patch, patch});
  t.rand("vision_model.embeddings.position_embedding.weight", {grid * grid + 1, vw});
  t.norm("vision_model.pre_layrnorm", vw);
  encoder("vision_model", vw);
  t.norm("vision_model.post_layernorm", vw);
  t.linear("visual_projection", vw, proj, false);
  t.map.insert_or_assign("logit_scale", mx::array(4.6052f));
  t.save(dir);
}

void write_random_sam(const std::string& dir, bool quick) {
  const int D = quick ? 64 : 768, layers = quick ? 2 : 12, heads = quick ? 2 : 12, C = quick ? 32 : 256, dmlp = quick ? 64 : 2048;
  const std::vector<int> global = quick ? std::vector<int>{1} : std::vector<int>{2, 5, 8, 11};
  const int g = 64, ws = 14, hd = D / heads, K = 4;
  write_json(dir + "/config.json", {{"model_type", "sam"},
      {"vision_config", {{"hidden_size", D}, {"num_hidden_layers", layers}, {"num_attention_heads", heads}, {"mlp_dim", 4 * D},
                         {"global_attn_indexes", global}, {"output_channels", C}, {"num_pos_feats", C / 2}, {"window_size", ws}}},
      {"prompt_encoder_config", {{"hidden_size", C}, {"mask_input_channels", 16}}},
      {"mask_decoder_config", {{"hidden_size", C}, {"mlp_dim", dmlp}, {"iou_head_hidden_dim", C}}}});
  Tensors t;
  t.rand("shared_image_embedding.positional_embedding", {2, C / 2});
  t.rand("vision_encoder.patch_embed.projection.weight", {D, 3, 16, 16});
  t.rand("vision_encoder.patch_embed.projection.bias", {D});
  t.rand("vision_encoder.pos_embed", {1, g, g, D});
  for (int i = 0; i < layers; ++i) {
    const std::string q = "vision_encoder.layers." + std::to_string(i);
    const bool is_global = std::find(global.begin(), global.end(), i) != global.end();
    const int size = is_global ? g : ws;
    t.norm(q + ".layer_norm1", D), t.norm(q + ".layer_norm2", D);
    t.linear(q + ".attn.qkv", D, 3 * D), t.linear(q + ".attn.proj", D, D);
    t.rand(q + ".attn.rel_pos_h", {2 * size - 1, hd}), t.rand(q + ".attn.rel_pos_w", {2 * size - 1, hd});
    t.linear(q + ".mlp.lin1", D, 4 * D), t.linear(q + ".mlp.lin2", 4 * D, D);
  }
  t.rand("vision_encoder.neck.conv1.weight", {C, D, 1, 1});
  t.norm("vision_encoder.neck.layer_norm1", C);
  t.rand("vision_encoder.neck.conv2.weight", {C, C, 3, 3});
  t.norm("vision_encoder.neck.layer_norm2", C);
  for (int i = 0; i < 4; ++i) t.rand("prompt_encoder.point_embed." + std::to_string(i) + ".weight", {1, C});
  t.rand("prompt_encoder.not_a_point_embed.weight", {1, C});
  t.rand("prompt_encoder.no_mask_embed.weight", {1, C});
  t.rand("prompt_encoder.mask_embed.conv1.weight", {4, 1, 2, 2}), t.rand("prompt_encoder.mask_embed.conv1.bias", {4});
  t.rand("prompt_encoder.mask_embed.conv2.weight", {16, 4, 2, 2}), t.rand("prompt_encoder.mask_embed.conv2.bias", {16});
  t.rand("prompt_encoder.mask_embed.conv3.weight", {C, 16, 1, 1}), t.rand("prompt_encoder.mask_embed.conv3.bias", {C});
  t.norm("prompt_encoder.mask_embed.layer_norm1", 4), t.norm("prompt_encoder.mask_embed.layer_norm2", 16);
  t.rand("mask_decoder.iou_token.weight", {1, C}), t.rand("mask_decoder.mask_tokens.weight", {K, C});
  auto attention = [&](const std::string& p, int inner) {
    t.linear(p + ".q_proj", C, inner), t.linear(p + ".k_proj", C, inner), t.linear(p + ".v_proj", C, inner), t.linear(p + ".out_proj", inner, C);
  };
  for (int i = 0; i < 2; ++i) {
    const std::string q = "mask_decoder.transformer.layers." + std::to_string(i);
    attention(q + ".self_attn", C), attention(q + ".cross_attn_token_to_image", C / 2), attention(q + ".cross_attn_image_to_token", C / 2);
    for (int n = 1; n <= 4; ++n) t.norm(q + ".layer_norm" + std::to_string(n), C);
    t.linear(q + ".mlp.lin1", C, dmlp), t.linear(q + ".mlp.lin2", dmlp, C);
  }
  attention("mask_decoder.transformer.final_attn_token_to_image", C / 2);
  t.norm("mask_decoder.transformer.layer_norm_final_attn", C);
  t.rand("mask_decoder.upscale_conv1.weight", {C, C / 4, 2, 2}), t.rand("mask_decoder.upscale_conv1.bias", {C / 4});
  t.norm("mask_decoder.upscale_layer_norm", C / 4);
  t.rand("mask_decoder.upscale_conv2.weight", {C / 4, C / 8, 2, 2}), t.rand("mask_decoder.upscale_conv2.bias", {C / 8});
  auto ff = [&](const std::string& p, int in, int hidden, int out) {
    t.linear(p + ".proj_in", in, hidden), t.linear(p + ".layers.0", hidden, hidden), t.linear(p + ".proj_out", hidden, out);
  };
  for (int i = 0; i < K; ++i) ff("mask_decoder.output_hypernetworks_mlps." + std::to_string(i), C, C, C / 8);
  ff("mask_decoder.iou_prediction_head", C, C, K);
  t.save(dir);
}

}  // namespace robomlx::vision
