// SPDX-License-Identifier: Apache-2.0
// A probe around the echo model (src/robomlx/serve/echo_model.h) for the scheduler tests: it
// records which threads call the model, the batch sizes of decode(), every prefill chunk and
// every release(), and it is registered as "probe-echo" with a context and per-step pause the
// test sets before the scheduler loads it.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "robomlx/serve/echo_model.h"
#include "robomlx/serve/inference_task.h"
#include "robomlx/serve/model_registry.h"

namespace robomlx::serve::test {

struct Probe {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::vector<int> batch_sizes;
  std::vector<int> prefill_chunks;  // tokens run per prefill call
  std::vector<SequenceId> released;
  std::string calls;  // 'p' per prefill call, 'd' per decode call, in order
  int context_length = 8192;
  std::chrono::milliseconds step_delay{0};
  std::chrono::milliseconds load_delay{0};  // the factory sleeps this long (a model that loads slowly)

  void reset(int context = 8192, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    std::lock_guard<std::mutex> lock(mutex);
    threads.clear();
    batch_sizes.clear();
    prefill_chunks.clear();
    released.clear();
    calls.clear();
    context_length = context;
    step_delay = delay;
    load_delay = std::chrono::milliseconds(0);
  }
  void seen() {
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  }
};

inline Probe& probe() {
  static Probe p;
  return p;
}

class ProbeModel final : public TextModel {
 public:
  explicit ProbeModel(std::unique_ptr<TextModel> inner) : inner_(std::move(inner)) {}
  const ModelInfo& info() const override { return inner_->info(); }
  const Tokenizer& tokenizer() const override { return inner_->tokenizer(); }
  std::string chat_prompt(const std::vector<ChatMessage>& m) const override { return inner_->chat_prompt(m); }
  SequenceId start(const std::vector<int>& prompt) override {
    probe().seen();
    return inner_->start(prompt);
  }
  std::optional<mx::array> prefill(SequenceId seq, int max_tokens) override {
    probe().seen();
    const int before = inner_->length(seq);
    auto out = inner_->prefill(seq, max_tokens);
    std::lock_guard<std::mutex> lock(probe().mutex);
    probe().prefill_chunks.push_back(inner_->length(seq) - before);
    probe().calls += 'p';
    return out;
  }
  mx::array decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) override {
    probe().seen();
    {
      std::lock_guard<std::mutex> lock(probe().mutex);
      probe().batch_sizes.push_back(static_cast<int>(seqs.size()));
      probe().calls += 'd';
    }
    return inner_->decode(seqs, tokens);
  }
  void release(SequenceId seq) override {
    probe().seen();
    inner_->release(seq);
    std::lock_guard<std::mutex> lock(probe().mutex);
    probe().released.push_back(seq);
  }
  int length(SequenceId seq) const override { return inner_->length(seq); }

 private:
  std::unique_ptr<TextModel> inner_;
};

inline const bool probe_registered = register_model(
    {"probe-echo", ModelKind::text, "echo with call recording (tests)", [](const std::string&) {
       std::this_thread::sleep_for(probe().load_delay);
       EchoOptions o;
       o.id = "probe-echo";
       o.context_length = probe().context_length;
       o.step_delay = probe().step_delay;
       return LoadedModel{std::make_unique<ProbeModel>(make_echo_model(o)), nullptr};
     }});

/// Everything one task's channel said, read until its end (or `limit` passed).
struct Outcome {
  std::string text;
  std::vector<Delta> deltas;
  std::optional<Finish> finish;
  std::optional<Failure> failure;
  std::optional<EmbeddingResult> embedding;
  std::optional<InferResult> infer;
  bool timed_out = false;
};

inline Outcome collect(const std::shared_ptr<ResultChannel>& ch,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(20000)) {
  Outcome o;
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    auto e = ch->pop(std::chrono::milliseconds(50));
    if (!e) continue;
    if (auto* d = std::get_if<Delta>(&*e)) {
      o.text += d->text;
      o.deltas.push_back(*d);
      continue;
    }
    if (auto* f = std::get_if<Finish>(&*e)) o.finish = *f;
    if (auto* f = std::get_if<Failure>(&*e)) o.failure = *f;
    if (auto* r = std::get_if<EmbeddingResult>(&*e)) o.embedding = *r;
    if (auto* r = std::get_if<InferResult>(&*e)) o.infer = *r;
    return o;
  }
  o.timed_out = true;
  return o;
}

inline Task completion_task(const std::string& model, const std::string& prompt, int max_tokens = 1 << 20,
                            std::vector<std::string> stop = {}) {
  static std::atomic<TaskId> next{1};
  CompletionRequest r;
  r.model = model;
  r.prompt = prompt;
  r.params.temperature = 0;
  r.params.max_tokens = max_tokens;
  r.params.stop = std::move(stop);
  Task t;
  t.id = next++;
  t.request = r;
  return t;
}

/// Polls `cond` every 5 ms for at most `limit`.
template <typename F>
bool eventually(F cond, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

}  // namespace robomlx::serve::test
