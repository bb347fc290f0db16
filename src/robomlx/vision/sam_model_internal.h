// SPDX-License-Identifier: Apache-2.0
// Private: SAM's weights as the loader (sam_model.cpp) fills them and the encoder
// (sam_model_encoder.cpp) and decoder (sam_model_decoder.cpp) read them. Conv weights are in
// MLX's [out, kh, kw, in]; the transposed convs of the decoder are kept as matmul matrices.
#pragma once

#include <optional>
#include <vector>

#include "robomlx/vision/sam_model.h"
#include "robomlx/vision/vision_layers_internal.h"

namespace robomlx::vision {

struct SamVisionLayerWeights {
  detail::LayerNorm ln1, ln2;
  detail::Linear qkv, proj, lin1, lin2;
  std::optional<mx::array> rel_pos_h, rel_pos_w;  // [2 * size - 1, head_dim]
  int window = 0;                                 // 0: global attention
};

struct SamAttentionWeights {
  detail::Linear q, k, v, out;
};

struct SamTwoWayLayerWeights {
  SamAttentionWeights self_attn, token_to_image, image_to_token;
  detail::LayerNorm ln1, ln2, ln3, ln4;
  detail::Linear lin1, lin2;
};

struct SamFeedForwardWeights {
  std::vector<detail::Linear> layers;  // proj_in, layers.*, proj_out; ReLU between
};

struct SamModel::Weights {
  mx::array gaussian{0.0f};                   // shared_image_embedding.positional_embedding [2, F]
  // vision encoder
  mx::array patch_w{0.0f}, patch_b{0.0f};     // [D, p, p, 3], [D]
  std::optional<mx::array> pos_embed;         // [1, g, g, D]
  std::vector<SamVisionLayerWeights> layers;
  mx::array neck_conv1{0.0f}, neck_conv2{0.0f};
  detail::LayerNorm neck_ln1, neck_ln2;
  // prompt encoder
  std::vector<mx::array> point_embed;         // 4 x [1, C]
  mx::array not_a_point{0.0f}, no_mask{0.0f};
  mx::array mask_conv1_w{0.0f}, mask_conv1_b{0.0f}, mask_conv2_w{0.0f}, mask_conv2_b{0.0f}, mask_conv3_w{0.0f}, mask_conv3_b{0.0f};
  detail::LayerNorm mask_ln1, mask_ln2;
  // mask decoder
  mx::array iou_token{0.0f}, mask_tokens{0.0f};
  std::vector<SamTwoWayLayerWeights> two_way;
  SamAttentionWeights final_attn;
  detail::LayerNorm final_ln;
  mx::array up1_w{0.0f}, up1_b{0.0f}, up2_w{0.0f}, up2_b{0.0f};  // [Cin, Cout * 4] matrices (2x2 stride-2 transposed convs)
  detail::LayerNorm up_ln;
  std::vector<SamFeedForwardWeights> hyper;
  SamFeedForwardWeights iou_head;
};

namespace detail {
/// ReLU between the layers of a SAM feed-forward head.
mx::array sam_feed_forward(const SamFeedForwardWeights& f, const mx::array& x, const mx::Stream& s);
/// SAM's attention with an inner width (q/k/v projections to C / downsample).
mx::array sam_attention(const SamAttentionWeights& a, int heads, const mx::array& q, const mx::array& k, const mx::array& v,
                        const mx::Stream& s);
}  // namespace detail

}  // namespace robomlx::vision
