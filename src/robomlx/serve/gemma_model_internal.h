// SPDX-License-Identifier: Apache-2.0
// GemmaModel's private state (shared by gemma_model.cpp and gemma_model_forward.cpp).
#pragma once

#include <optional>
#include <vector>

#include <mlx/array.h>

#include "robomlx/serve/cached_decoder_internal.h"
#include "robomlx/serve/gemma_model.h"

namespace robomlx::serve {

struct GemmaLayer {
  mx::array attn_norm, post_attn_norm, ffn_norm, post_ffn_norm, q_norm, k_norm;
  FusedLinear qkv, gate_up;  // [q, k, v], [gate, up]
  DecoderLinear o, down;
};

struct GemmaModel::Weights {
  DecoderLinear embed;  // also the output projection (tied)
  mx::array out_norm;
  std::vector<GemmaLayer> layers;
  std::optional<RopeTables> rope_global, rope_local;  // CPU devices
};

}  // namespace robomlx::serve
