// SPDX-License-Identifier: Apache-2.0
// Loading a Hugging Face SamModel folder: every size from config.json (nothing hard-coded to the
// ViT-B/L/H numbers), each field checked, every tensor taken by name with its shape.
#include <algorithm>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/vision/sam_model_internal.h"

namespace robomlx::vision {

namespace {

constexpr const char* kTag = "vision.sam";
using detail::ConfigSection;

void read_config(const std::string& path, SamConfig& c) {
  const nlohmann::json root = detail::read_json_object(path, kTag);
  ConfigSection r(root, path, "", kTag);
  (void)r.text("model_type", "sam", {"sam"});
  ConfigSection v(r.object("vision_config"), path, "vision_config", kTag);
  ConfigSection p(r.object("prompt_encoder_config"), path, "prompt_encoder_config", kTag);
  ConfigSection m(r.object("mask_decoder_config"), path, "mask_decoder_config", kTag);
  r.inert(detail::pretrained_config_inert_keys());
  r.finish();

  c.hidden = v.integer("hidden_size", 768, 1, 1 << 16);
  c.layers = v.integer("num_hidden_layers", 12, 1, 1024);
  c.heads = v.integer("num_attention_heads", 12, 1, 1024);
  const double ratio = v.number("mlp_ratio", 4.0, 0.01, 1000.0);
  c.mlp_dim = v.integer("mlp_dim", int(c.hidden * ratio), 1, 1 << 20);
  c.image_size = v.integer("image_size", 1024, 16, 8192);
  c.patch_size = v.integer("patch_size", 16, 1, 1024);
  (void)v.integer("num_channels", 3, 3, 3);
  c.qkv_bias = v.boolean("qkv_bias", true);
  c.use_abs_pos = v.boolean("use_abs_pos", true);
  c.use_rel_pos = v.boolean("use_rel_pos", true);
  c.window_size = v.integer("window_size", 14, 0, 1024);
  // Entries past the last layer select nothing (transformers' own tiny test configs keep
  // [2, 5, 8, 11] with 2 layers); they are accepted as transformers accepts them.
  c.global_attn_indexes = v.integers("global_attn_indexes", {2, 5, 8, 11}, 0, 1 << 16);
  c.output_channels = v.integer("output_channels", 256, 1, 1 << 16);
  c.num_pos_feats = v.integer("num_pos_feats", 128, 1, 1 << 16);
  c.vision_eps = v.number("layer_norm_eps", 1e-6, 0.0, 1.0);
  (void)v.text("hidden_act", "gelu", {"gelu"});
  v.inert(detail::pretrained_config_inert_keys());
  v.inert({"scale"});  // the initialiser's std of the Gaussian matrix; the stored matrix is what counts
  v.finish();
  if (c.hidden % c.heads) v.fail("num_attention_heads", "must divide hidden_size " + std::to_string(c.hidden));
  if (c.image_size % c.patch_size) v.fail("patch_size", "must divide image_size " + std::to_string(c.image_size));

  c.prompt_hidden = p.integer("hidden_size", 256, 1, 1 << 16);
  c.embedding_size = p.integer("image_embedding_size", 64, 1, 1024);
  (void)p.integer("image_size", c.image_size, c.image_size, c.image_size);
  (void)p.integer("patch_size", c.patch_size, c.patch_size, c.patch_size);
  c.mask_input_channels = p.integer("mask_input_channels", 16, 4, 1 << 12);
  (void)p.integer("num_point_embeddings", 4, 4, 4);
  (void)p.text("hidden_act", "gelu", {"gelu"});
  c.prompt_eps = p.number("layer_norm_eps", 1e-6, 0.0, 1.0);
  p.inert(detail::pretrained_config_inert_keys());
  p.finish();
  if (c.mask_input_channels % 4) p.fail("mask_input_channels", "must be a multiple of 4");

  c.decoder_hidden = m.integer("hidden_size", 256, 8, 1 << 16);
  (void)m.text("hidden_act", "relu", {"relu"});
  c.decoder_mlp_dim = m.integer("mlp_dim", 2048, 1, 1 << 20);
  c.decoder_layers = m.integer("num_hidden_layers", 2, 1, 64);
  c.decoder_heads = m.integer("num_attention_heads", 8, 1, 1024);
  c.downsample_rate = m.integer("attention_downsample_rate", 2, 1, 1024);
  c.multimask_outputs = m.integer("num_multimask_outputs", 3, 1, 64);
  c.iou_head_depth = m.integer("iou_head_depth", 3, 2, 64);
  c.iou_head_hidden = m.integer("iou_head_hidden_dim", 256, 1, 1 << 16);
  c.decoder_eps = m.number("layer_norm_eps", 1e-6, 0.0, 1.0);
  m.inert(detail::pretrained_config_inert_keys());
  m.finish();

  // The three parts must fit together.
  if (c.embedding_size != c.image_size / c.patch_size)
    p.fail("image_embedding_size", "must be image_size / patch_size = " + std::to_string(c.image_size / c.patch_size));
  if (c.prompt_hidden != c.output_channels || c.decoder_hidden != c.output_channels || 2 * c.num_pos_feats != c.output_channels)
    m.fail("hidden_size", "prompt and decoder hidden_size and 2 * vision num_pos_feats must equal vision output_channels " + std::to_string(c.output_channels));
  if (c.decoder_hidden % 8 || (c.decoder_hidden / c.downsample_rate) % c.decoder_heads || c.decoder_hidden % c.decoder_heads)
    m.fail("num_attention_heads", "must divide the attention widths (hidden_size " + std::to_string(c.decoder_hidden) + ", / attention_downsample_rate)");
}

SamAttentionWeights take_attention(detail::TensorStore& t, const std::string& p, int hidden, int inner) {
  return {detail::take_linear(t, p + ".q_proj", hidden, inner), detail::take_linear(t, p + ".k_proj", hidden, inner),
          detail::take_linear(t, p + ".v_proj", hidden, inner), detail::take_linear(t, p + ".out_proj", inner, hidden)};
}

SamFeedForwardWeights take_feed_forward(detail::TensorStore& t, const std::string& p, int in, int hidden, int out, int depth) {
  SamFeedForwardWeights f;
  f.layers.push_back(detail::take_linear(t, p + ".proj_in", in, hidden));
  for (int i = 0; i < depth - 2; ++i) f.layers.push_back(detail::take_linear(t, p + ".layers." + std::to_string(i), hidden, hidden));
  f.layers.push_back(detail::take_linear(t, p + ".proj_out", hidden, out));
  return f;
}

// ConvTranspose2d(in, out, 2, stride 2) weight [in, out, 2, 2] as a [in, out * 4] matrix whose
// columns run (out, ky, kx): one matmul then scatters every input pixel to its 2x2 block.
mx::array take_upscale(detail::TensorStore& t, const std::string& key, int in, int out) {
  return mx::reshape(t.take(key, {in, out, 2, 2}), {in, out * 4}, mx::Device::cpu);
}

}  // namespace

SamModel::~SamModel() = default;

std::unique_ptr<SamModel> SamModel::load(const std::string& folder, const SamLoadOptions& options) {
  if (options.dtype != mx::float32 && options.dtype != mx::float16 && options.dtype != mx::bfloat16)
    throw std::invalid_argument("[vision.sam] dtype must be float32, float16 or bfloat16");
  std::unique_ptr<SamModel> m(new SamModel());
  m->dtype_ = options.dtype;
  SamConfig& c = m->config_;
  read_config(folder + "/config.json", c);
  detail::TensorStore t(folder + "/model.safetensors", options.dtype, kTag);
  auto w = std::make_unique<Weights>();
  const int D = c.hidden, C = c.output_channels, g = c.image_size / c.patch_size, hd = D / c.heads, p = c.patch_size;
  w->gaussian = t.take("shared_image_embedding.positional_embedding", {2, c.num_pos_feats});
  t.drop("prompt_encoder.shared_embedding.positional_embedding");  // a tied copy in some exports
  w->patch_w = t.take_conv("vision_encoder.patch_embed.projection.weight", {D, 3, p, p});
  w->patch_b = t.take("vision_encoder.patch_embed.projection.bias", {D});
  if (c.use_abs_pos) w->pos_embed = t.take("vision_encoder.pos_embed", {1, g, g, D});
  for (int i = 0; i < c.layers; ++i) {
    const std::string q = "vision_encoder.layers." + std::to_string(i);
    SamVisionLayerWeights L;
    L.window = std::count(c.global_attn_indexes.begin(), c.global_attn_indexes.end(), i) ? 0 : c.window_size;
    L.ln1 = detail::take_norm(t, q + ".layer_norm1", D, c.vision_eps);
    L.ln2 = detail::take_norm(t, q + ".layer_norm2", D, c.vision_eps);
    L.qkv = detail::take_linear(t, q + ".attn.qkv", D, 3 * D, c.qkv_bias);
    L.proj = detail::take_linear(t, q + ".attn.proj", D, D);
    L.lin1 = detail::take_linear(t, q + ".mlp.lin1", D, c.mlp_dim);
    L.lin2 = detail::take_linear(t, q + ".mlp.lin2", c.mlp_dim, D);
    if (c.use_rel_pos) {
      const int size = L.window ? L.window : g;
      L.rel_pos_h = t.take(q + ".attn.rel_pos_h", {2 * size - 1, hd});
      L.rel_pos_w = t.take(q + ".attn.rel_pos_w", {2 * size - 1, hd});
    }
    w->layers.push_back(std::move(L));
  }
  w->neck_conv1 = t.take_conv("vision_encoder.neck.conv1.weight", {C, D, 1, 1});
  w->neck_ln1 = detail::take_norm(t, "vision_encoder.neck.layer_norm1", C, 1e-6);
  w->neck_conv2 = t.take_conv("vision_encoder.neck.conv2.weight", {C, C, 3, 3});
  w->neck_ln2 = detail::take_norm(t, "vision_encoder.neck.layer_norm2", C, 1e-6);

  for (int i = 0; i < 4; ++i) w->point_embed.push_back(t.take("prompt_encoder.point_embed." + std::to_string(i) + ".weight", {1, C}));
  w->not_a_point = t.take("prompt_encoder.not_a_point_embed.weight", {1, C});
  w->no_mask = t.take("prompt_encoder.no_mask_embed.weight", {1, C});
  const int mc = c.mask_input_channels;
  w->mask_conv1_w = t.take_conv("prompt_encoder.mask_embed.conv1.weight", {mc / 4, 1, 2, 2});
  w->mask_conv1_b = t.take("prompt_encoder.mask_embed.conv1.bias", {mc / 4});
  w->mask_conv2_w = t.take_conv("prompt_encoder.mask_embed.conv2.weight", {mc, mc / 4, 2, 2});
  w->mask_conv2_b = t.take("prompt_encoder.mask_embed.conv2.bias", {mc});
  w->mask_conv3_w = t.take_conv("prompt_encoder.mask_embed.conv3.weight", {C, mc, 1, 1});
  w->mask_conv3_b = t.take("prompt_encoder.mask_embed.conv3.bias", {C});
  w->mask_ln1 = detail::take_norm(t, "prompt_encoder.mask_embed.layer_norm1", mc / 4, c.prompt_eps);
  w->mask_ln2 = detail::take_norm(t, "prompt_encoder.mask_embed.layer_norm2", mc, c.prompt_eps);

  const int K = c.multimask_outputs + 1, inner = C / c.downsample_rate;
  w->iou_token = t.take("mask_decoder.iou_token.weight", {1, C});
  w->mask_tokens = t.take("mask_decoder.mask_tokens.weight", {K, C});
  for (int i = 0; i < c.decoder_layers; ++i) {
    const std::string q = "mask_decoder.transformer.layers." + std::to_string(i);
    w->two_way.push_back({take_attention(t, q + ".self_attn", C, C), take_attention(t, q + ".cross_attn_token_to_image", C, inner),
                          take_attention(t, q + ".cross_attn_image_to_token", C, inner),
                          detail::take_norm(t, q + ".layer_norm1", C, c.decoder_eps), detail::take_norm(t, q + ".layer_norm2", C, c.decoder_eps),
                          detail::take_norm(t, q + ".layer_norm3", C, c.decoder_eps), detail::take_norm(t, q + ".layer_norm4", C, c.decoder_eps),
                          detail::take_linear(t, q + ".mlp.lin1", C, c.decoder_mlp_dim), detail::take_linear(t, q + ".mlp.lin2", c.decoder_mlp_dim, C)});
  }
  w->final_attn = take_attention(t, "mask_decoder.transformer.final_attn_token_to_image", C, inner);
  // nn.LayerNorm's default eps (transformers does not pass the config's here).
  w->final_ln = detail::take_norm(t, "mask_decoder.transformer.layer_norm_final_attn", C, 1e-5);
  w->up1_w = take_upscale(t, "mask_decoder.upscale_conv1.weight", C, C / 4);
  w->up1_b = t.take("mask_decoder.upscale_conv1.bias", {C / 4});
  w->up_ln = detail::take_norm(t, "mask_decoder.upscale_layer_norm", C / 4, 1e-6);
  w->up2_w = take_upscale(t, "mask_decoder.upscale_conv2.weight", C / 4, C / 8);
  w->up2_b = t.take("mask_decoder.upscale_conv2.bias", {C / 8});
  for (int i = 0; i < K; ++i)
    w->hyper.push_back(take_feed_forward(t, "mask_decoder.output_hypernetworks_mlps." + std::to_string(i), C, C, C / 8, 3));
  w->iou_head = take_feed_forward(t, "mask_decoder.iou_prediction_head", C, c.iou_head_hidden, K, c.iou_head_depth);
  t.finish();
  mx::eval(t.taken());
  m->w_ = std::move(w);
  return m;
}

}  // namespace robomlx::vision
