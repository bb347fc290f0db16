// SPDX-License-Identifier: Apache-2.0
// The sequence bookkeeping and KV cache every decoder-only TextModel shares (Llama, Gemma 3): a
// model supplies its forward pass over a step of tokens and its output head; this base runs the
// TextModel sequence API on top.
//
// Sequences and batching. A sequence's prompt is prefilled into a cache of its own (chunks of any
// size; causal attention within the chunk, full attention to what came before). decode() runs the
// given sequences as one batch over a shared, left-padded cache: row i holds sequence i's keys in
// columns [end - len_i, end), so every row writes its new key at the same column `end` (one
// slice_update per layer) and a mask hides each row's padding; RoPE takes a position per row. The
// shared cache is rebuilt (rows copied in or out) only when the set of sequences passed to
// decode() changes, not every step, so steady decoding copies nothing but the new column. Chosen
// over padding per-sequence caches every step, which would copy every cache every token.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

/// What a step's forward pass needs to know about where its tokens sit.
struct DecoderStep {
  mx::array ids;  // int32 [B, T]
  int col = 0;    // cache column the first new token is written to (the same for every row)
  /// Position of the first new token: one int (a single sequence, B = 1; equal to col) or int32 [B].
  std::variant<int, mx::array> positions = 0;
  /// Batched decode (T = 1): int32 [B], the first cache column holding row b's keys (columns
  /// before it are padding). nullopt: a single sequence whose keys start at column 0.
  std::optional<mx::array> first;
};

class CachedDecoder : public TextModel {
 public:
  ~CachedDecoder() override;
  const ModelInfo& info() const override { return info_; }

  SequenceId start(const std::vector<int>& prompt) override;
  std::optional<mx::array> prefill(SequenceId seq, int max_tokens) override;
  mx::array decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) override;
  void release(SequenceId seq) override;
  int length(SequenceId seq) const override;
  std::shared_ptr<const KvPrefix> save_prefix(SequenceId seq) override;
  SequenceId start_from(const std::vector<int>& prompt, const KvPrefix& prefix, int reuse) override;

  /// Logits [T, vocab] float32 of every position of `tokens` run from an empty cache (no sequence
  /// is kept), for parity tests against a reference.
  mx::array forward_all(const std::vector<int>& tokens);
  /// The lazy arrays decode(seqs, tokens) would evaluate (the logits, then every layer's new keys and
  /// values), left unevaluated and advancing no sequence (the shared cache is regrouped as decode()
  /// would): to count a decode step's graph nodes and kernels (graph_size, core/bench.h).
  std::vector<mx::array> decode_graph(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens);

 protected:
  CachedDecoder();
  /// Hidden states [B, T, dim] of `step.ids` through every layer; layer l writes its new keys and
  /// values into k[l] / v[l] [B, kv_heads, cap, head_dim] at column step.col (replacing the arrays).
  virtual mx::array forward(const DecoderStep& step, std::vector<mx::array>& k, std::vector<mx::array>& v) = 0;
  /// [..., dim] -> float32 [..., vocab].
  virtual mx::array head(const mx::array& hidden) const = 0;
  struct CacheShape {
    int layers = 0, kv_heads = 0, head_dim = 0, dim = 0;  // dim: the hidden states' width
  };
  /// Loaders call this last (dtype_ set): info_ (id: the file's stem, lower case, when empty; KV
  /// bytes per token from the shape and dtype_) and the KV cache's shape.
  void set_model(std::string id, const std::string& path, const std::string& architecture, int context, int vocab,
                 std::int64_t weight_bytes, CacheShape shape);

  ModelInfo info_;
  mx::Dtype dtype_ = mx::float32;  // activations and KV cache
  mx::Device device_ = mx::Device::cpu;

 private:
  struct Sequence;
  struct Batch;
  struct DecodePlan;
  DecodePlan plan_decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens);
  /// The step's logits [B, vocab] in the caller's order; replaces k / v with the updated caches.
  mx::array decode_forward(const DecodePlan& plan, std::vector<mx::array>& k, std::vector<mx::array>& v);
  mx::array run_chunk(Sequence& s, const std::vector<int>& tokens);
  void regroup(const std::vector<SequenceId>& members);
  Sequence& get(SequenceId seq);
  const char* name() const { return info_.architecture.c_str(); }

  int layers_ = 0, kv_heads_ = 0, head_dim_ = 0, dim_ = 0;
  std::map<SequenceId, std::unique_ptr<Sequence>> seqs_;
  std::unique_ptr<Batch> batch_;
  SequenceId next_id_ = 1;
};

}  // namespace robomlx::serve
