// SPDX-License-Identifier: Apache-2.0
// CLIP (Radford et al. 2021) on MLX ops, loaded from a Hugging Face `CLIPModel` folder
// (config.json, model.safetensors, vocab.json + merges.txt, preprocessor_config.json) with the
// tensor names of openai/clip-vit-base-patch32 and -large-patch14. Numbers follow transformers:
//   text:   token + position embeddings -> pre-LN encoder layers (causal + padding mask) ->
//           final LayerNorm -> the state at the first EOS (or at argmax(id) for checkpoints whose
//           config keeps the legacy eos_token_id 2) -> text_projection (no bias);
//   vision: patch conv (stride = patch) + class token + position embeddings -> pre_layrnorm ->
//           encoder -> post_layernorm of the class token -> visual_projection (no bias);
//   embeddings are L2-normalised; logits_per_image = exp(logit_scale) * image . text.
// Activations: quick_gelu x * sigmoid(1.702 x) (the OpenAI checkpoints) or gelu (erf).
// Layout: images are NHWC float [B, H, W, 3] (Hugging Face's NCHW pixel_values transposed).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "robomlx/core/image.h"
#include "robomlx/vision/clip_image_preprocess.h"
#include "robomlx/vision/clip_tokenizer.h"

namespace robomlx::vision {

enum class ClipActivation { quick_gelu, gelu };

struct ClipEncoderConfig {
  int hidden = 0, layers = 0, heads = 0, intermediate = 0;
  double layer_norm_eps = 1e-5;
  ClipActivation act = ClipActivation::quick_gelu;
};

struct ClipConfig {
  ClipEncoderConfig text, vision;
  int vocab_size = 0, max_positions = 0, eos_token_id = 0;
  bool pool_at_argmax = false;  // legacy eos_token_id == 2: pool at argmax(input_ids), as transformers
  int image_size = 0, patch_size = 0;
  int projection_dim = 0;
};

struct ClipLoadOptions {
  /// Compute dtype: float32 (default), float16 or bfloat16. Weights of any of the three are cast.
  mx::Dtype dtype = mx::float32;
};

/// Outputs of one encoder (text or vision), named as transformers names them.
struct ClipEncoderOutput {
  std::vector<mx::array> hidden_states;  // empty unless asked: [0] embeddings, [k] after layer k
  mx::array last_hidden_state{0.0f};     // text: after final_layer_norm; vision: before post_layernorm
  mx::array pooler_output{0.0f};         // [B, hidden]
  mx::array embeds{0.0f};                // projected, not normalised [B, projection_dim]
};

class ClipModel {
 public:
  // no stream: reads the checkpoint folder (weights stay in host-visible MLX arrays).
  /// FormatError "[vision.clip] <file>: ..." for a missing file, a config field robomlx does not
  /// implement, a tensor that is missing, of the wrong shape or not used by this config.
  static std::unique_ptr<ClipModel> load(const std::string& folder, const ClipLoadOptions& options = {});
  ~ClipModel();

  const ClipConfig& config() const { return config_; }
  const ClipTokenizer& tokenizer() const { return *tokenizer_; }
  const ClipImageSettings& image_settings() const { return image_settings_; }
  mx::Dtype dtype() const { return dtype_; }
  /// exp(logit_scale) as stored (not clamped).
  float logit_scale_exp() const { return logit_scale_exp_; }

  /// input_ids, attention_mask: integer [B, L] with L <= max_positions.
  ClipEncoderOutput encode_text(const mx::array& input_ids, const mx::array& attention_mask, bool hidden_states = false,
                                mx::StreamOrDevice s = {}) const;
  /// pixel_values: float [B, image_size, image_size, 3] (preprocessed).
  ClipEncoderOutput encode_image(const mx::array& pixel_values, bool hidden_states = false, mx::StreamOrDevice s = {}) const;

  /// Unit-length text embeddings [N, projection_dim] float32 of `texts` (tokenised here).
  mx::array embed_texts(const std::vector<std::string>& texts, mx::StreamOrDevice s = {}) const;
  /// Unit-length image embeddings [N, projection_dim] float32 of RGB uint8 images (preprocessed here).
  mx::array embed_images(const std::vector<Image>& images, mx::StreamOrDevice s = {}) const;
  /// exp(logit_scale) * image_embeds @ text_embeds^T: [N_images, N_texts] (unit-length inputs).
  mx::array logits_per_image(const mx::array& image_embeds, const mx::array& text_embeds, mx::StreamOrDevice s = {}) const;

 private:
  struct Weights;
  ClipModel() = default;
  ClipConfig config_;
  ClipImageSettings image_settings_;
  std::unique_ptr<ClipTokenizer> tokenizer_;
  std::unique_ptr<Weights> w_;
  mx::Dtype dtype_ = mx::float32;
  float logit_scale_exp_ = 1.0f;
};

/// x / ||x|| along the last axis.
mx::array clip_normalize(const mx::array& x, mx::StreamOrDevice s = {});

}  // namespace robomlx::vision
