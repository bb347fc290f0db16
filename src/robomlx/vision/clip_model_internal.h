// SPDX-License-Identifier: Apache-2.0
// Private: CLIP's weights as the loader (clip_model.cpp) fills them and the forward passes
// (clip_model_forward.cpp) read them.
#pragma once

#include <vector>

#include "robomlx/vision/clip_model.h"
#include "robomlx/vision/vision_layers_internal.h"

namespace robomlx::vision {

struct ClipLayerWeights {
  detail::LayerNorm ln1, ln2;
  detail::Linear qkv;  // q_proj, k_proj, v_proj stacked: [3 * hidden, hidden], one GEMM
  detail::Linear out, fc1, fc2;
};

struct ClipModel::Weights {
  // text
  mx::array token_embedding{0.0f}, text_positions{0.0f};
  std::vector<ClipLayerWeights> text_layers;
  detail::LayerNorm final_ln;
  detail::Linear text_projection;
  // vision
  mx::array class_embedding{0.0f}, patch_weight{0.0f}, vision_positions{0.0f};  // patch_weight [D, p, p, 3]
  detail::LayerNorm pre_ln, post_ln;
  std::vector<ClipLayerWeights> vision_layers;
  detail::Linear visual_projection;
};

}  // namespace robomlx::vision
