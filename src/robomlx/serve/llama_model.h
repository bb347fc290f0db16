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
// Sequences, batching and the KV cache: CachedDecoder (cached_decoder.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "robomlx/serve/cached_decoder.h"
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

class LlamaModel final : public CachedDecoder {
 public:
  /// Throws std::invalid_argument when the file is not a GGUF Llama this code can run.
  static std::unique_ptr<LlamaModel> load(const std::string& gguf_path, LlamaOptions options = {});
  ~LlamaModel() override;

  const Tokenizer& tokenizer() const override { return *tokenizer_; }
  /// The GGUF's ChatML template (SmolLM2): "<|im_start|>{role}\n{content}<|im_end|>\n" per message,
  /// SmolLM's default system message first when the chat has none, then "<|im_start|>assistant\n".
  std::string chat_prompt(const std::vector<ChatMessage>& messages) const override;

  const LlamaConfig& config() const { return config_; }

 protected:
  mx::array forward(const DecoderStep& step, std::vector<mx::array>& k, std::vector<mx::array>& v) override;
  mx::array head(const mx::array& hidden) const override;

 private:
  struct Weights;
  LlamaModel() = default;

  mx::array embed(const mx::array& ids) const;

  LlamaConfig config_;
  std::unique_ptr<BpeTokenizer> tokenizer_;
  std::unique_ptr<Weights> w_;
  std::string chat_template_;
};

}  // namespace robomlx::serve
