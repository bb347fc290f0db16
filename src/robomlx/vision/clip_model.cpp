// SPDX-License-Identifier: Apache-2.0
// Loading a Hugging Face CLIPModel folder: config.json read field by field (what robomlx does not
// implement is refused by name), tensors taken by name with their shapes checked.
#include <cmath>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/vision/clip_model_internal.h"

namespace robomlx::vision {

namespace {

constexpr const char* kTag = "vision.clip";
using detail::ConfigSection;

// The part of text_config / vision_config both encoders share.
ClipEncoderConfig read_encoder(ConfigSection& c, int default_hidden) {
  ClipEncoderConfig e;
  e.hidden = c.integer("hidden_size", default_hidden, 1, 1 << 16);
  e.layers = c.integer("num_hidden_layers", 12, 1, 1024);
  e.heads = c.integer("num_attention_heads", 8, 1, 1024);
  e.intermediate = c.integer("intermediate_size", 4 * e.hidden, 1, 1 << 18);
  e.layer_norm_eps = c.number("layer_norm_eps", 1e-5, 0.0, 1.0);
  e.act = c.text("hidden_act", "quick_gelu", {"quick_gelu", "gelu"}) == "gelu" ? ClipActivation::gelu : ClipActivation::quick_gelu;
  if (e.hidden % e.heads != 0) c.fail("num_attention_heads", "must divide hidden_size " + std::to_string(e.hidden) + ", got " + std::to_string(e.heads));
  c.inert(detail::pretrained_config_inert_keys());
  c.inert({"projection_dim"});  // CLIPModel projects to the root projection_dim; this copy is unused
  return e;
}

// Old exports carry text_config_dict / vision_config_dict beside text_config; transformers lets
// the _dict values win, so do we.
nlohmann::json merged_section(nlohmann::json root, const std::string& key) {
  nlohmann::json base = root.contains(key) && root[key].is_object() ? root[key] : nlohmann::json::object();
  const std::string legacy = key + "_dict";
  if (root.contains(legacy) && root[legacy].is_object()) base.update(root[legacy]);
  return base;
}

std::vector<ClipLayerWeights> take_layers(detail::TensorStore& t, const std::string& prefix, const ClipEncoderConfig& e) {
  std::vector<ClipLayerWeights> layers;
  for (int i = 0; i < e.layers; ++i) {
    const std::string p = prefix + ".encoder.layers." + std::to_string(i), a = p + ".self_attn.";
    const int d = e.hidden;
    ClipLayerWeights L{detail::take_norm(t, p + ".layer_norm1", d, e.layer_norm_eps), detail::take_norm(t, p + ".layer_norm2", d, e.layer_norm_eps),
                       detail::fuse_linears({detail::take_linear(t, a + "q_proj", d, d), detail::take_linear(t, a + "k_proj", d, d),
                                             detail::take_linear(t, a + "v_proj", d, d)}),
                       detail::take_linear(t, a + "out_proj", d, d), detail::take_linear(t, p + ".mlp.fc1", d, e.intermediate),
                       detail::take_linear(t, p + ".mlp.fc2", e.intermediate, d)};
    // Evaluated with the taken tensors; the separate q / k / v copies are then dropped.
    t.taken().push_back(L.qkv.w);
    t.taken().push_back(*L.qkv.b);
    layers.push_back(std::move(L));
  }
  return layers;
}

}  // namespace

ClipModel::~ClipModel() = default;

std::unique_ptr<ClipModel> ClipModel::load(const std::string& folder, const ClipLoadOptions& options) {
  if (options.dtype != mx::float32 && options.dtype != mx::float16 && options.dtype != mx::bfloat16)
    throw std::invalid_argument("[vision.clip] dtype must be float32, float16 or bfloat16");
  std::unique_ptr<ClipModel> m(new ClipModel());
  m->dtype_ = options.dtype;
  const std::string config_path = folder + "/config.json";
  const nlohmann::json root = detail::read_json_object(config_path, kTag);
  ConfigSection c(root, config_path, "", kTag);
  const std::string type = c.text("model_type", "clip", {"clip"});
  ClipConfig& cfg = m->config_;
  cfg.projection_dim = c.integer("projection_dim", 512, 1, 1 << 16);
  ConfigSection text(merged_section(root, "text_config"), config_path, "text_config", kTag);
  ConfigSection vision(merged_section(root, "vision_config"), config_path, "vision_config", kTag);
  (void)c.object("text_config"), (void)c.object("vision_config");
  c.inert({"text_config_dict", "vision_config_dict", "logit_scale_init_value"});
  c.inert(detail::pretrained_config_inert_keys());
  c.finish();

  cfg.text = read_encoder(text, 512);
  cfg.vocab_size = text.integer("vocab_size", 49408, 1, 1 << 24);
  cfg.max_positions = text.integer("max_position_embeddings", 77, 2, 1 << 16);
  cfg.eos_token_id = text.integer("eos_token_id", 49407, 0, cfg.vocab_size - 1);
  cfg.pool_at_argmax = cfg.eos_token_id == 2;
  (void)text.integer("bos_token_id", 49406, 0, cfg.vocab_size - 1);
  (void)text.integer("pad_token_id", 1, 0, cfg.vocab_size - 1);  // padding positions are masked
  text.finish();
  cfg.vision = read_encoder(vision, 768);
  cfg.image_size = vision.integer("image_size", 224, 1, 8192);
  cfg.patch_size = vision.integer("patch_size", 32, 1, 8192);
  (void)vision.integer("num_channels", 3, 3, 3);
  if (cfg.image_size % cfg.patch_size != 0) vision.fail("patch_size", "must divide image_size " + std::to_string(cfg.image_size));
  vision.finish();

  m->image_settings_ = ClipImageSettings::read(folder);
  if (m->image_settings_.do_center_crop && (m->image_settings_.crop_height != cfg.image_size || m->image_settings_.crop_width != cfg.image_size))
    throw FormatError(kTag, folder + "/preprocessor_config.json", "crop_size must equal vision_config.image_size " + std::to_string(cfg.image_size));
  m->tokenizer_ = ClipTokenizer::load(folder);
  if (m->tokenizer_->vocab_size() != cfg.vocab_size)
    throw FormatError(kTag, folder + "/vocab.json", "holds " + std::to_string(m->tokenizer_->vocab_size()) + " tokens, config.json vocab_size is " + std::to_string(cfg.vocab_size));

  detail::TensorStore t(folder + "/model.safetensors", options.dtype, kTag);
  auto w = std::make_unique<Weights>();
  const int dt = cfg.text.hidden, dv = cfg.vision.hidden, p = cfg.patch_size, g = cfg.image_size / p;
  w->token_embedding = t.take("text_model.embeddings.token_embedding.weight", {cfg.vocab_size, dt});
  w->text_positions = t.take("text_model.embeddings.position_embedding.weight", {cfg.max_positions, dt});
  w->text_layers = take_layers(t, "text_model", cfg.text);
  w->final_ln = detail::take_norm(t, "text_model.final_layer_norm", dt, cfg.text.layer_norm_eps);
  w->text_projection = detail::take_linear(t, "text_projection", dt, cfg.projection_dim, false);
  w->class_embedding = t.take("vision_model.embeddings.class_embedding", {dv});
  w->patch_weight = t.take_conv("vision_model.embeddings.patch_embedding.weight", {dv, 3, p, p});
  w->vision_positions = t.take("vision_model.embeddings.position_embedding.weight", {g * g + 1, dv});
  w->pre_ln = detail::take_norm(t, "vision_model.pre_layrnorm", dv, cfg.vision.layer_norm_eps);
  w->vision_layers = take_layers(t, "vision_model", cfg.vision);
  w->post_ln = detail::take_norm(t, "vision_model.post_layernorm", dv, cfg.vision.layer_norm_eps);
  w->visual_projection = detail::take_linear(t, "visual_projection", dv, cfg.projection_dim, false);
  const mx::array logit_scale = mx::astype(t.take("logit_scale", {}), mx::float32);
  t.finish();
  mx::eval(t.taken());
  mx::eval(logit_scale);
  m->logit_scale_exp_ = std::exp(logit_scale.item<float>());
  m->w_ = std::move(w);
  return m;
}

}  // namespace robomlx::vision
