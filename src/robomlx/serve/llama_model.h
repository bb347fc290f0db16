// SPDX-License-Identifier: Apache-2.0
// A Llama-architecture language model from a GGUF file (SmolLM2 and kin) as a TextModel, on MLX ops.
//
// Weights: mx::load_gguf keeps Q4_0/Q4_1/Q8_0 tensors quantized (affine, group 32) and every
// projection runs as mx::quantized_matmul; the embedding table is dequantized row by row on lookup
// and reused as the output projection when the file has no output.weight (tied embeddings).
// Blocks: RMSNorm (mx::fast::rms_norm), grouped-query attention (mx::fast::scaled_dot_product_attention
// takes fewer KV heads directly), RoPE on adjacent pairs (GGUF's llama layout: convert_hf_to_gguf
// permutes Q and K so "traditional" rotation reproduces HF's half-split one), SwiGLU MLP.
// Activations and the KV cache are float32 on a CPU stream, float16 on a GPU (LlamaOptions::dtype).
//
// Sequences and batching. A sequence's prompt is prefilled into a cache of its own (chunks of any
// size; causal attention within the chunk, full attention to what came before). decode() runs the
// given sequences as one batch over a shared, left-padded cache: row i holds sequence i's keys in
// columns [end - len_i, end), so every row writes its new key at the same column `end` (one
// slice_update per layer) and a boolean mask hides each row's padding; RoPE takes a position per
// row. The shared cache is rebuilt (rows copied in or out) only when the set of sequences passed to
// decode() changes, not every step, so steady decoding copies nothing but the new column. Chosen
// over padding per-sequence caches every step, which would copy every cache every token.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "robomlx/serve/text_model.h"
#include "robomlx/serve/tokenizer_bpe.h"

namespace robomlx::serve {

struct LlamaOptions {
  std::string id;                  // ModelInfo::id; default: the GGUF's general.name, lower case
  int max_context = 0;             // 0: the GGUF's context_length
  std::optional<mx::Dtype> dtype;  // activations and KV cache; default by the stream's device
  std::optional<mx::Device> device;  // default: MLX's default device at load time. Every call runs
                                     // on that device's default stream of the calling thread.
};

struct LlamaConfig {
  int layers = 0, dim = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, rope_dims = 0, vocab = 0, context = 0;
  float rope_base = 10000.0f, rms_eps = 1e-5f;
};

class LlamaModel final : public TextModel {
 public:
  /// Throws std::invalid_argument when the file is not a GGUF Llama this code can run.
  static std::unique_ptr<LlamaModel> load(const std::string& gguf_path, LlamaOptions options = {});
  ~LlamaModel() override;

  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return *tokenizer_; }
  /// The GGUF's ChatML template (SmolLM2): "<|im_start|>{role}\n{content}<|im_end|>\n" per message,
  /// SmolLM's default system message first when the chat has none, then "<|im_start|>assistant\n".
  std::string chat_prompt(const std::vector<ChatMessage>& messages) const override;

  SequenceId start(const std::vector<int>& prompt) override;
  std::optional<mx::array> prefill(SequenceId seq, int max_tokens) override;
  mx::array decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) override;
  void release(SequenceId seq) override;
  int length(SequenceId seq) const override;

  const LlamaConfig& config() const { return config_; }
  /// Logits [T, vocab] float32 of every position of `tokens` run from an empty cache (no sequence
  /// is kept), for parity tests against a reference.
  mx::array forward_all(const std::vector<int>& tokens);

 private:
  struct Weights;
  struct Sequence;
  struct Batch;
  LlamaModel() = default;

  mx::array embed(const mx::array& ids) const;
  mx::array logits(const mx::array& hidden) const;
  // One chunk of one sequence through every layer, extending its own cache.
  mx::array run_chunk(Sequence& s, const std::vector<int>& tokens);
  void regroup(const std::vector<SequenceId>& members);
  void ungroup(SequenceId id);
  Sequence& get(SequenceId seq);

  LlamaConfig config_;
  ModelInfo info_;
  std::unique_ptr<BpeTokenizer> tokenizer_;
  std::unique_ptr<Weights> w_;
  std::string chat_template_;
  mx::Dtype dtype_ = mx::float32;
  mx::Device device_ = mx::Device::cpu;
  std::map<SequenceId, std::unique_ptr<Sequence>> seqs_;
  std::unique_ptr<Batch> batch_;
  SequenceId next_id_ = 1;
};

}  // namespace robomlx::serve
