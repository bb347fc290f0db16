// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/echo_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <thread>

#include <mlx/mlx.h>

#include "robomlx/serve/model_registry.h"

namespace robomlx::serve {

namespace {

class ByteTokenizer final : public Tokenizer {
 public:
  std::vector<int> encode(const std::string& text, bool add_special) const override {
    std::vector<int> ids;
    ids.reserve(text.size() + 1);
    if (add_special) ids.push_back(kEchoBos);
    for (unsigned char c : text) ids.push_back(c);
    return ids;
  }
  std::string decode(const std::vector<int>& ids) const override {
    std::string out;
    for (int id : ids)
      if (id >= 0 && id < 256) out += static_cast<char>(id);
    return out;
  }
  int vocab_size() const override { return kEchoVocab; }
  std::vector<int> stop_ids() const override { return {kEchoEos}; }
};

// Per-sequence state, as a real model keeps its KV cache: the prompt (the text to echo, BOS
// dropped) and every token the sequence has run so far.
struct EchoSequence {
  mx::array prompt{0};  // [P] int32, echo targets
  std::vector<int> pending;  // prompt tokens not yet prefilled
  mx::array cache{0};   // [L] int32, tokens run so far
  int length = 0;
  int prompt_len = 0;    // echo targets
  int prompt_total = 0;  // tokens to prefill (targets + BOS)
};

class EchoModel final : public TextModel {
 public:
  explicit EchoModel(const EchoOptions& o) : options_(o) {
    info_.id = o.id;
    info_.architecture = "echo";
    info_.context_length = o.context_length;
    info_.vocab_size = kEchoVocab;
    info_.kv_bytes_per_token = sizeof(int);
  }
  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  std::string chat_prompt(const std::vector<ChatMessage>& messages) const override {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it)
      if (it->role == "user") return it->content;
    return {};
  }

  SequenceId start(const std::vector<int>& prompt) override {
    if (static_cast<int>(prompt.size()) > info_.context_length)
      throw std::invalid_argument("[serve.echo] the prompt has " + std::to_string(prompt.size()) +
                                  " tokens, more than the context of " + std::to_string(info_.context_length));
    EchoSequence s;
    std::vector<int> targets;
    for (int t : prompt)
      if (t != kEchoBos) targets.push_back(t);
    s.prompt_len = static_cast<int>(targets.size());
    s.prompt = mx::array(targets.begin(), {s.prompt_len}, mx::int32);
    s.pending = prompt;
    s.prompt_total = static_cast<int>(prompt.size());
    s.cache = mx::zeros({0}, mx::int32);
    const SequenceId id = next_++;
    seqs_.emplace(id, std::move(s));
    return id;
  }

  std::optional<mx::array> prefill(SequenceId id, int max_tokens) override {
    EchoSequence& s = seq(id);
    pause();
    const int n = std::min<int>(std::max(max_tokens, 1), static_cast<int>(s.pending.size()));
    std::vector<int> chunk(s.pending.begin(), s.pending.begin() + n);
    s.pending.erase(s.pending.begin(), s.pending.begin() + n);
    append(s, chunk);
    if (!s.pending.empty()) return std::nullopt;
    return next_logits({&s});
  }

  mx::array decode(const std::vector<SequenceId>& ids, const std::vector<int>& tokens) override {
    if (ids.size() != tokens.size() || ids.empty())
      throw std::invalid_argument("[serve.echo] decode needs one token per sequence");
    pause();
    std::vector<EchoSequence*> batch;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      EchoSequence& s = seq(ids[i]);
      append(s, {tokens[i]});
      batch.push_back(&s);
    }
    return next_logits(batch);
  }

  void release(SequenceId id) override { seqs_.erase(id); }
  int length(SequenceId id) const override {
    auto it = seqs_.find(id);
    if (it == seqs_.end()) throw std::invalid_argument("[serve.echo] unknown sequence " + std::to_string(id));
    return it->second.length;
  }

 private:
  EchoSequence& seq(SequenceId id) {
    auto it = seqs_.find(id);
    if (it == seqs_.end()) throw std::invalid_argument("[serve.echo] unknown sequence " + std::to_string(id));
    return it->second;
  }
  void pause() const {
    if (options_.step_delay.count() > 0) std::this_thread::sleep_for(options_.step_delay);
  }
  void append(EchoSequence& s, const std::vector<int>& tokens) {
    s.cache = mx::concatenate({s.cache, mx::array(tokens.begin(), {static_cast<int>(tokens.size())}, mx::int32)});
    s.length += static_cast<int>(tokens.size());
  }

  // One batched pass: row b's next token is prompt_b[generated_b] (EOS past the end).
  mx::array next_logits(const std::vector<EchoSequence*>& batch) {
    int longest = 0;
    for (auto* s : batch) longest = std::max(longest, s->prompt_len);
    std::vector<mx::array> rows;
    std::vector<int> generated;
    for (auto* s : batch) {
      rows.push_back(mx::pad(s->prompt, {0, longest + 1 - s->prompt_len}, mx::array(kEchoEos, mx::int32)));
      const int gen = s->length - s->prompt_total;  // tokens generated so far
      generated.push_back(std::min(std::max(gen, 0), longest));
    }
    const mx::array table = mx::stack(rows);  // [B, longest + 1]
    const mx::array where = mx::array(generated.begin(), {static_cast<int>(generated.size()), 1}, mx::int32);
    const mx::array target = mx::take_along_axis(table, where, 1);  // [B, 1]
    const mx::array vocab = mx::reshape(mx::arange(kEchoVocab, mx::int32), {1, kEchoVocab});
    mx::array logits = mx::where(mx::equal(vocab, target), mx::array(10.0f), mx::array(-10.0f));
    mx::eval(logits);
    return logits;
  }
  EchoOptions options_;
  ModelInfo info_;
  ByteTokenizer tokenizer_;
  std::map<SequenceId, EchoSequence> seqs_;
  SequenceId next_ = 1;
};

class EchoEmbedding final : public EmbeddingModel {
 public:
  explicit EchoEmbedding(std::string id) {
    info_.id = std::move(id);
    info_.architecture = "echo";
    info_.context_length = 1 << 20;
    info_.vocab_size = kEchoVocab;
  }
  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  mx::array embed(const std::vector<std::string>& texts, std::vector<int>* token_counts) override {
    const mx::array bytes = mx::reshape(mx::arange(kEchoEmbeddingDim, mx::int32), {1, kEchoEmbeddingDim});
    std::vector<mx::array> rows;
    if (token_counts) token_counts->clear();
    for (const auto& t : texts) {
      const std::vector<int> ids = tokenizer_.encode(t, false);
      if (token_counts) token_counts->push_back(static_cast<int>(ids.size()));
      if (ids.empty()) {
        rows.push_back(mx::zeros({kEchoEmbeddingDim}, mx::float32));
        continue;
      }
      const mx::array col = mx::array(ids.begin(), {static_cast<int>(ids.size()), 1}, mx::int32);
      rows.push_back(mx::sum(mx::astype(mx::equal(col, bytes), mx::float32), 0));
    }
    mx::array v = mx::stack(rows);
    const mx::array norm = mx::sqrt(mx::sum(mx::square(v), 1, /*keepdims=*/true));
    v = mx::divide(v, mx::maximum(norm, mx::array(1e-12f)));
    mx::eval(v);
    return v;
  }

 private:
  ModelInfo info_;
  ByteTokenizer tokenizer_;
};

const bool registered_echo = register_model(
    {"echo", ModelKind::text, "echoes the prompt back (tests and demos)",
     [](const std::string&) { return LoadedModel{make_echo_model({}), nullptr}; }});
const bool registered_echo_slow = register_model(
    {"echo-slow", ModelKind::text, "echo with a 10 ms pause per forward pass",
     [](const std::string&) {
       return LoadedModel{make_echo_model({"echo-slow", 8192, std::chrono::milliseconds(10)}), nullptr};
     }});
const bool registered_echo_embed = register_model(
    {"echo-embed", ModelKind::embedding, "byte-histogram embeddings (tests and demos)",
     [](const std::string&) { return LoadedModel{nullptr, make_echo_embedding_model()}; }});

}  // namespace

std::unique_ptr<Tokenizer> make_byte_tokenizer() { return std::make_unique<ByteTokenizer>(); }
std::unique_ptr<TextModel> make_echo_model(const EchoOptions& options) { return std::make_unique<EchoModel>(options); }
std::unique_ptr<EmbeddingModel> make_echo_embedding_model(const std::string& id) {
  return std::make_unique<EchoEmbedding>(id);
}

}  // namespace robomlx::serve
