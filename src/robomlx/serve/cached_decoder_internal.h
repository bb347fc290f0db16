// SPDX-License-Identifier: Apache-2.0
// CachedDecoder's private state (shared by cached_decoder*.cpp), and the pieces its models share:
// quantized linear layers, RoPE tables, load-time evaluation.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/serve/cached_decoder.h"

namespace robomlx::serve {

namespace detail {
/// Cache columns are allocated in steps of this many tokens.
inline constexpr int kCacheStep = 256;
inline int round_up(int n, int step) { return (n + step - 1) / step * step; }
/// Grows every layer's cache [B, kvh, cap, hd] along the columns to `cap` (zeros).
void grow(std::vector<mx::array>& caches, int cap, mx::Stream s);
}  // namespace detail

/// RoPE as two multiplies: rotate(x) = x * cos + x[swap] * sin over the head's rotated pairs, with
/// sin negated on each pair's first member; dimensions past rope_dims get cos 1, sin 0. For CPU
/// streams, where mx::fast::rope has no kernel and its fallback adds ~35 graph nodes per call
/// (recomputing the angles every step). Pairs are adjacent, (2i, 2i + 1), in GGUF's llama layout
/// (convert_hf_to_gguf permutes Llama's Q and K), or halves, (i, i + rope_dims / 2), as Hugging
/// Face rotates and GGUF keeps for Gemma ("neox").
struct RopeTables {
  mx::array cos, sin, swap;  // cos/sin [context, head_dim] (or broadcastable rows of them); swap int32 [head_dim]
};
/// Angles in double precision for every position below `context`.
RopeTables make_rope_tables(int context, int head_dim, int rope_dims, double base, bool neox, mx::Dtype dtype);
/// The rows for a step's positions: [1, 1, T, head_dim] from step.col (one sequence) or
/// [B, 1, 1, head_dim] by row (batched decode).
RopeTables rope_rows(const RopeTables& t, const DecoderStep& step, int T, mx::Stream s);
/// x [B, heads, T, head_dim] rotated by rows from rope_rows().
mx::array apply_rope(const mx::array& x, const RopeTables& rows, mx::Stream s);

/// A linear layer y = x W^T: quantized (affine, group 32, 4 or 8 bits: as load_gguf keeps Q4_0/Q4_1/
/// Q8_0, or as GemmaModel requantizes), or plain (F16/F32 tensors).
struct DecoderLinear {
  static constexpr int kGroup = 32;  // load_gguf's group size, kept by GemmaModel's requantization
  mx::array w;
  std::optional<mx::array> scales, biases;
  int bits = 0;  // 0: plain
  mx::array apply(const mx::array& x, mx::StreamOrDevice s) const;
  /// Rows `ids` of W as dense `dtype` (the embedding lookup).
  mx::array rows(const mx::array& ids, mx::Dtype dtype, mx::StreamOrDevice s) const;
};

/// Linear layers over the same input run as one (q, k and v; gate and up): their rows concatenated
/// once at load, so a step runs one projection (one kernel, one pass over x) instead of one per
/// layer, and the output is split back into views. Each output row is the same dot product either
/// way. Parts that differ in kind (bits, scale or weight dtype, plain and quantized: some GGUFs
/// quantize v apart from q and k) stay separate layers.
struct FusedLinear {
  std::vector<DecoderLinear> parts;  // one (the concatenation) when fused
  std::vector<int> widths;           // each layer's output features
  static FusedLinear make(std::vector<DecoderLinear> layers);
  /// One output per layer given to make(), [..., widths[i]].
  std::vector<mx::array> apply(const mx::array& x, mx::StreamOrDevice s) const;
};

/// The gated MLP activations, act(gate) * up, each one fused elementwise kernel (mx::compile) in
/// place of 3 (SiLU) or 9 (tanh GELU) passes over the MLP's widest tensor, when s is the thread's
/// default stream (a compiled graph runs on the stream it was traced on); op by op otherwise.
mx::array swiglu(const mx::array& gate, const mx::array& up, mx::Stream s);      // silu(gate) * up
mx::array geglu_tanh(const mx::array& gate, const mx::array& up, mx::Stream s);  // gelu_tanh(gate) * up

/// Everything a model holds, gathered to be evaluated at once at load (so the first request does not
/// pay for it); `bytes` counts the weights (ModelInfo::weight_bytes), not the RoPE tables.
struct LoadedArrays {
  std::vector<mx::array> all;
  std::int64_t bytes = 0;
  void weight(const mx::array& a);
  void linear(const DecoderLinear& q);
  void linear(const FusedLinear& f);
  void tables(const std::optional<RopeTables>& t);
  void eval() const;
};

struct CachedDecoder::Sequence {
  std::vector<int> tokens;  // prompt + generated
  int prompt = 0;           // prompt length
  int done = 0;             // tokens whose keys and values are cached
  std::vector<mx::array> k, v;  // own cache per layer [1, kv_heads, cap, head_dim]; empty while batched
  int cap = 0;
  bool batched = false;
};

/// The shared, left-padded cache decode() runs on: row r holds rows[r]'s keys in columns
/// [end - len, end).
struct CachedDecoder::Batch {
  std::vector<SequenceId> rows;
  std::vector<mx::array> k, v;  // per layer [B, kv_heads, cap, head_dim]
  int end = 0, cap = 0;
};

}  // namespace robomlx::serve
