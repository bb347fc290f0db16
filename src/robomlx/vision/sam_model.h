// SPDX-License-Identifier: Apache-2.0
// SAM (Segment Anything, Kirillov et al. 2023) on MLX ops, loaded from a Hugging Face `SamModel`
// folder with the tensor names of facebook/sam-vit-base / -large / -huge; numbers as transformers:
//   image encoder: 16x16 patch conv + absolute positions, ViT layers with windowed (zero-padded
//     to whole windows) or global attention and decomposed relative positions (MViTv2), neck
//     (1x1 conv, LayerNorm, 3x3 conv, LayerNorm) -> image embedding [64, 64, C];
//   prompt encoder: random-Fourier positions (coordinates + 0.5, / image_size) plus the learned
//     point / corner embeddings; a padding point (label -1) when there is no box; dense =
//     no_mask_embed, or the mask embedding of a low-res mask input;
//   mask decoder: two-way transformer, transposed-conv upscaling x4, hypernetwork MLPs per mask
//     token, IoU head; multimask output = mask tokens 1..3.
// Layouts: images NHWC; image embeddings [1, 64, 64, C] (Hugging Face's NCHW transposed);
// coordinates in pixels of the resized 1024-frame (sam_image_preprocess.h maps original pixels).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

namespace robomlx::vision {

namespace mx = mlx::core;

struct SamConfig {
  // vision encoder
  int hidden = 0, layers = 0, heads = 0, mlp_dim = 0, image_size = 1024, patch_size = 16, window_size = 14;
  int output_channels = 256, num_pos_feats = 128;
  std::vector<int> global_attn_indexes;
  bool qkv_bias = true, use_abs_pos = true, use_rel_pos = true;
  double vision_eps = 1e-6;
  // prompt encoder
  int prompt_hidden = 256, embedding_size = 64, mask_input_channels = 16;
  double prompt_eps = 1e-6;
  // mask decoder
  int decoder_hidden = 256, decoder_layers = 2, decoder_heads = 8, decoder_mlp_dim = 2048, downsample_rate = 2;
  int multimask_outputs = 3, iou_head_depth = 3, iou_head_hidden = 256;
  double decoder_eps = 1e-6;
};

struct SamLoadOptions {
  mx::Dtype dtype = mx::float32;  // float32, float16 or bfloat16 compute
};

/// Prompts for one image, `P` prompt sets decoded together (transformers' point_batch).
struct SamPrompts {
  std::optional<mx::array> points;  // float [P, N, 2] (x, y) in the 1024-frame
  std::optional<mx::array> labels;  // int [P, N]: 1 foreground, 0 background, -1 not-a-point, -10 ignored
  std::optional<mx::array> boxes;   // float [P, 4] (x0, y0, x1, y1)
  std::optional<mx::array> masks;   // float [P, 256, 256] low-res mask logits (a previous prediction)
};

struct SamMasks {
  mx::array logits{0.0f};      // [P, K, 256, 256] low-res mask logits (K = 3 multimask, else 1)
  mx::array iou_scores{0.0f};  // [P, K] predicted IoU
};

class SamModel {
 public:
  // no stream: reads the checkpoint folder.
  /// FormatError "[vision.sam] <file>: ..." as ClipModel::load (fields, tensors, shapes by name).
  static std::unique_ptr<SamModel> load(const std::string& folder, const SamLoadOptions& options = {});
  ~SamModel();
  const SamConfig& config() const { return config_; }
  mx::Dtype dtype() const { return dtype_; }

  /// pixel_values: float [B, 1024, 1024, 3] (preprocessed, padded) -> [B, 64, 64, C].
  mx::array image_embeddings(const mx::array& pixel_values, mx::StreamOrDevice s = {}) const;
  /// Sparse prompt embeddings [P, T, C] (points, the padding point, box corners) and dense [P|1, 64, 64, C].
  std::pair<mx::array, mx::array> embed_prompts(const SamPrompts& prompts, mx::StreamOrDevice s = {}) const;
  /// Masks of one image embedding [1, 64, 64, C] for P prompt sets.
  SamMasks decode_masks(const mx::array& image_embedding, const SamPrompts& prompts, bool multimask = true,
                        mx::StreamOrDevice s = {}) const;
  /// The dense positional encoding of the embedding grid [64, 64, C].
  mx::array image_positional_embeddings(mx::StreamOrDevice s = {}) const;

 private:
  struct Weights;
  SamModel() = default;
  mx::array fourier(const mx::array& unit_coords, const mx::Stream& s) const;
  SamConfig config_;
  std::unique_ptr<Weights> w_;
  mx::Dtype dtype_ = mx::float32;
};

}  // namespace robomlx::vision
