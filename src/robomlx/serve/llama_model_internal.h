// SPDX-License-Identifier: Apache-2.0
// LlamaModel's private state (shared by llama_model.cpp and llama_model_forward.cpp); LlamaLinear also
// serves GemmaModel.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <mlx/array.h>

#include "robomlx/serve/cached_decoder_internal.h"
#include "robomlx/serve/llama_model.h"

namespace robomlx::serve {

/// A linear layer y = x W^T: quantized (affine, group 32, 4 or 8 bits) as load_gguf keeps it, or
/// plain (F16/F32 tensors).
struct LlamaLinear {
  mx::array w;
  std::optional<mx::array> scales, biases;
  int bits = 0;  // 0: plain
  mx::array apply(const mx::array& x, mx::StreamOrDevice s) const;
  /// Rows `ids` of W as dense `dtype` (the embedding lookup).
  mx::array rows(const mx::array& ids, mx::Dtype dtype, mx::StreamOrDevice s) const;
};

/// Everything a model holds, gathered to be evaluated at once at load (so the first request does not
/// pay for it); `bytes` counts the weights (ModelInfo::weight_bytes), not the RoPE tables.
struct LoadedArrays {
  std::vector<mx::array> all;
  std::int64_t bytes = 0;
  void weight(const mx::array& a);
  void linear(const LlamaLinear& q);
  void tables(const std::optional<RopeTables>& t);
  void eval() const;
};

struct LlamaLayer {
  mx::array attn_norm, ffn_norm;
  LlamaLinear q, k, v, o, gate, up, down;
};

struct LlamaModel::Weights {
  LlamaLinear embed;
  std::optional<LlamaLinear> output;  // absent: tied to the embedding
  mx::array out_norm;
  std::vector<LlamaLayer> layers;
  std::optional<RopeTables> rope;  // CPU devices (rope tables by position)
};

}  // namespace robomlx::serve
