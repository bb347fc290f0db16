// SPDX-License-Identifier: Apache-2.0
// What the server's scheduler needs from a language model and an embedding model. Every method is
// called from the one inference thread that owns all MLX objects (MLX streams are per thread;
// mlx-lm's server deadlocked sharing them); HTTP threads never touch a model.
//
// Decoding is sequence-oriented so the scheduler can batch continuously: start() prefills a prompt
// (in chunks of at most `max_prefill_chunk` tokens per call to prefill(), so a long prompt does not
// stall the running streams), decode() advances several sequences by one token each in one batched
// forward pass, release() frees a sequence's KV cache. Logits come back as float32 [B, vocab] on
// the host side of MLX (evaluated), for sampling (sampling.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace robomlx::serve {

namespace mx = mlx::core;

struct ChatMessage {
  std::string role;     // "system", "user", "assistant"
  std::string content;
};

struct ModelInfo {
  std::string id;                  // the name clients use ("smollm2-135m-instruct")
  std::string architecture;        // "llama", "gemma3", "bert"
  int context_length = 0;          // tokens
  int vocab_size = 0;
  std::int64_t weight_bytes = 0;   // as loaded (quantized)
  std::int64_t kv_bytes_per_token = 0;  // per sequence, for the memory estimate
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /// Token ids of `text`; with add_special the model's BOS (if it uses one) first.
  virtual std::vector<int> encode(const std::string& text, bool add_special) const = 0;
  /// UTF-8 text of `ids` (special tokens skipped). Byte-level BPE tokens may end mid-character:
  /// streaming callers decode the whole tail and emit only complete UTF-8 (see serve's streaming).
  virtual std::string decode(const std::vector<int>& ids) const = 0;
  virtual int vocab_size() const = 0;
  /// End-of-sequence ids (eos, end-of-turn, ...).
  virtual std::vector<int> stop_ids() const = 0;
};

using SequenceId = std::int64_t;

/// The keys and values a model computed for a sequence's first tokens, copied out of the sequence so
/// a later prompt that starts with the same tokens skips recomputing them (the scheduler's prefix
/// cache, prefix_cache.h). Opaque outside the model that made it; made, used and destroyed on the
/// inference thread only.
class KvPrefix {
 public:
  virtual ~KvPrefix() = default;
  std::vector<int> tokens;  // whose keys and values it holds
  std::int64_t bytes = 0;   // memory it holds
};

class TextModel {
 public:
  virtual ~TextModel() = default;
  virtual const ModelInfo& info() const = 0;
  virtual const Tokenizer& tokenizer() const = 0;
  /// The prompt text for a chat (the model's template: ChatML for SmolLM2, Gemma's turns), ending
  /// where the assistant's reply begins.
  virtual std::string chat_prompt(const std::vector<ChatMessage>& messages) const = 0;

  /// A new sequence holding `prompt` (not yet run). Throws std::invalid_argument if it does not fit
  /// the context.
  virtual SequenceId start(const std::vector<int>& prompt) = 0;
  /// Runs up to `max_tokens` more prompt tokens of `seq`; returns the logits [1, vocab] of the last
  /// prompt token once the whole prompt has run, else nullopt.
  virtual std::optional<mx::array> prefill(SequenceId seq, int max_tokens) = 0;
  /// Appends tokens[i] to seqs[i] and returns next-token logits [B, vocab] (one batched pass).
  virtual mx::array decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) = 0;
  virtual void release(SequenceId seq) = 0;
  /// Tokens held by `seq` (prompt + generated), for context checks.
  virtual int length(SequenceId seq) const = 0;

  /// A copy of the keys and values `seq` has computed so far (every token run through the model),
  /// for the prefix cache; nullptr from models that keep no reusable cache (the default).
  virtual std::shared_ptr<const KvPrefix> save_prefix(SequenceId /*seq*/) { return nullptr; }
  /// start() with the keys and values of its first `reuse` tokens taken from `prefix` (made by
  /// this model's save_prefix; its first `reuse` tokens equal the prompt's, and reuse < prompt size, so
  /// prefill still runs the last prompt token and returns its logits). Only called for models whose
  /// save_prefix returns prefixes.
  virtual SequenceId start_from(const std::vector<int>& /*prompt*/, const KvPrefix& /*prefix*/, int /*reuse*/) {
    throw std::logic_error(info().id + ": this model reuses no cached prefixes");
  }
};

class EmbeddingModel {
 public:
  virtual ~EmbeddingModel() = default;
  virtual const ModelInfo& info() const = 0;
  virtual const Tokenizer& tokenizer() const = 0;
  /// L2-normalised sentence embeddings [B, D] float32 (evaluated), and the token counts used.
  virtual mx::array embed(const std::vector<std::string>& texts, std::vector<int>* token_counts = nullptr) = 0;
};

}  // namespace robomlx::serve
