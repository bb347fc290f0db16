// SPDX-License-Identifier: Apache-2.0
// A Gemma 3 language model from a GGUF file (Gemma 3 270M, Q4_K_M) as a TextModel, on MLX ops.
//
// Weights: mx::load_gguf refuses this file (it throws on Q5_0 and would turn Q4_K / Q6_K into
// float16), so serve's own reader (gguf_reader_internal.h) dequantizes every 2-D tensor to float32
// and mx::quantize requantizes it: affine, group 32, 8 bits (the layout DecoderLinear and
// quantized_linear run). 8 bits for every source type (Q4_K, Q5_0, Q6_K, Q8_0): mx::quantize picks
// its own grid per group (it makes the larger-magnitude end exact), which does not line up with
// Q4_K's, so 4 bits doubled the rounding (first-pass logits 10 % of the top logit off a float64
// pass on the dequantized weights; 1 % at 8 bits, tests/serve/gemma_model_test.cpp). The token
// embedding (Q8_0, 262144 x 640) is requantized in row chunks to bound the float32 copy, and is
// also the output projection (tied).
//
// Blocks (Gemma 3): embeddings scaled by sqrt(dim); RMSNorm whose weights GGUF already stores as
// Gemma's (1 + w); pre- and post-norms around attention and around the MLP; RMSNorm on each query
// and key head; RoPE on halves (NeoX pairs), base gemma3.rope.freq_base (1e6) on global layers and
// 10000 on sliding ones; grouped-query attention with scale 1/sqrt(head_dim); GeGLU MLP (GELU,
// tanh approximation). Every sixth layer (5, 11, 17) attends globally, the others to the last
// gemma3.attention.sliding_window (512) positions, llama.cpp's fixed pattern for gemma3 (the GGUF
// names neither the pattern nor the local base). Gemma 3 has no final logit soft-capping;
// gemma3.final_logit_softcapping is honoured if a file sets it.
// The KV cache keeps every position for every layer (sliding layers mask what they do not see).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "robomlx/serve/cached_decoder.h"
#include "robomlx/serve/tokenizer_spm.h"

namespace robomlx::serve {

struct GemmaOptions {
  std::string id;                  // ModelInfo::id; default: the file's stem, lower case
  int max_context = 0;             // 0: min(8192, the GGUF's context_length): RoPE tables and the
                                   // KV cache grow with it; up to the GGUF's (32768) when asked
  std::optional<mx::Dtype> dtype;  // activations and KV cache; default float32 on CPU, bfloat16 on a
                                   // GPU (Gemma's residual stream outgrows float16's 65504)
  std::optional<mx::Device> device;  // default: MLX's default device at load time
  int sliding_window = 0;          // 0: the GGUF's; tests set a small one to cross it with short prompts
};

struct GemmaConfig {
  int layers = 0, dim = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, vocab = 0, context = 0;
  int sliding_window = 0, sliding_pattern = 6;  // layer l is global when (l + 1) % sliding_pattern == 0
  float rope_base = 1e6f, rope_base_local = 1e4f, rms_eps = 1e-6f, attn_scale = 0, softcap = 0;
  bool global(int layer) const { return (layer + 1) % sliding_pattern == 0; }
};

class GemmaModel final : public CachedDecoder {
 public:
  /// Throws std::invalid_argument when the file is not a GGUF Gemma 3 this code can run.
  static std::unique_ptr<GemmaModel> load(const std::string& gguf_path, GemmaOptions options = {});
  ~GemmaModel() override;

  const Tokenizer& tokenizer() const override { return *tokenizer_; }
  /// Gemma's turn format (no chat template ships in this GGUF): "<start_of_turn>{user|model}\n
  /// {content}<end_of_turn>\n" per message ("assistant" is Gemma's "model"; a system message is
  /// prepended to the first user turn, as Gemma's own template does), then "<start_of_turn>model\n".
  /// The tokenizer adds <bos>.
  std::string chat_prompt(const std::vector<ChatMessage>& messages) const override;

  const GemmaConfig& config() const { return config_; }

 protected:
  mx::array forward(const DecoderStep& step, std::vector<mx::array>& k, std::vector<mx::array>& v) override;
  mx::array head(const mx::array& hidden) const override;

 private:
  struct Weights;
  GemmaModel() = default;

  GemmaConfig config_;
  std::unique_ptr<SpmTokenizer> tokenizer_;
  std::unique_ptr<Weights> w_;
};

}  // namespace robomlx::serve
