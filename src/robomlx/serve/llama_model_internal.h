// SPDX-License-Identifier: Apache-2.0
// LlamaModel's private state (shared by llama_model.cpp and llama_model_forward.cpp).
#pragma once

#include <optional>
#include <vector>

#include <mlx/array.h>

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

struct LlamaLayer {
  mx::array attn_norm, ffn_norm;
  LlamaLinear q, k, v, o, gate, up, down;
};

/// RoPE as two multiplies: rotate(x) = x * cos + x[swap] * sin, with cos = (c0, c0, c1, c1, ...),
/// sin = (-s0, s0, -s1, s1, ...) and swap = (1, 0, 3, 2, ...) over the head's adjacent pairs (GGUF's
/// layout); dimensions past rope_dims get cos 1, sin 0. For CPU streams, where mx::fast::rope has no
/// kernel and its fallback adds ~35 graph nodes per call (recomputing the angles every step).
struct LlamaRopeTables {
  mx::array cos, sin, swap;  // cos/sin broadcastable to [B, heads, T, head_dim]
};

struct LlamaModel::Weights {
  LlamaLinear embed;
  std::optional<LlamaLinear> output;  // absent: tied to the embedding
  mx::array out_norm;
  std::vector<LlamaLayer> layers;
  std::optional<mx::array> rope_cos, rope_sin;  // [context, head_dim] (CPU devices), by position
  std::optional<mx::array> rope_swap;           // int32 [head_dim]
};

struct LlamaModel::Sequence {
  std::vector<int> tokens;  // prompt + generated
  int prompt = 0;           // prompt length
  int done = 0;             // tokens whose keys and values are cached
  std::vector<mx::array> k, v;  // own cache per layer [1, kv_heads, cap, head_dim]; empty while batched
  int cap = 0;
  bool batched = false;
};

/// The shared, left-padded cache decode() runs on: row r holds rows[r]'s keys in columns
/// [end - len, end).
struct LlamaModel::Batch {
  std::vector<SequenceId> rows;
  std::vector<mx::array> k, v;  // per layer [B, kv_heads, cap, head_dim]
  int end = 0, cap = 0;
};

/// Cache columns are allocated in steps of this many tokens.
inline constexpr int kLlamaCacheStep = 256;

}  // namespace robomlx::serve
