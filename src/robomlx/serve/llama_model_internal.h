// SPDX-License-Identifier: Apache-2.0
// LlamaModel's private state (shared by llama_model.cpp and llama_model_forward.cpp).
#pragma once

#include <optional>
#include <vector>

#include <mlx/array.h>

#include "robomlx/serve/cached_decoder_internal.h"
#include "robomlx/serve/llama_model.h"

namespace robomlx::serve {

struct LlamaLayer {
  mx::array attn_norm, ffn_norm;
  FusedLinear qkv, gate_up;  // [q, k, v], [gate, up]
  DecoderLinear o, down;
};

struct LlamaModel::Weights {
  DecoderLinear embed;
  std::optional<DecoderLinear> output;  // absent: tied to the embedding
  mx::array out_norm;
  std::vector<LlamaLayer> layers;
  std::optional<RopeTables> rope;  // CPU devices (rope tables by position)
};

}  // namespace robomlx::serve
