// SPDX-License-Identifier: Apache-2.0
// Deterministic stand-ins for a language model and an embedding model, for tests and demos of
// the server (`robomlx serve --model echo --model echo-embed`). They run real MLX ops on the
// inference thread, keep per-sequence state like a KV cache, and have known outputs:
//
//   tokenizer  bytes: ids 0..255 are the bytes of the UTF-8 text, 256 = BOS, 257 = EOS; so a
//              multi-byte character spans several tokens (the streaming UTF-8 hold-back runs).
//   echo       generates its prompt back byte by byte (BOS excluded), then EOS. A chat prompt
//              is the content of the last user message, so chat "Hello" answers "Hello".
//              Logits are [B, 258] float32: +10 at the next byte of each sequence's prompt, -10
//              elsewhere, from one batched gather over the sequences' cached tokens.
//   echo-slow  the same with a 10 ms pause per forward pass (prefill chunk or decode step), a
//              model slow enough for queueing, 429 and disconnect tests.
//   echo-embed embedding = the text's byte histogram [256], L2-normalised (zeros for "").
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

inline constexpr int kEchoBos = 256;
inline constexpr int kEchoEos = 257;
inline constexpr int kEchoVocab = 258;
inline constexpr int kEchoEmbeddingDim = 256;

struct EchoOptions {
  std::string id = "echo";
  int context_length = 8192;
  std::chrono::milliseconds step_delay{0};  // pause per prefill chunk and per decode step
};

std::unique_ptr<Tokenizer> make_byte_tokenizer();
std::unique_ptr<TextModel> make_echo_model(const EchoOptions& options = {});
std::unique_ptr<EmbeddingModel> make_echo_embedding_model(const std::string& id = "echo-embed");

}  // namespace robomlx::serve
