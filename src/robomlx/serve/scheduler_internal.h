// SPDX-License-Identifier: Apache-2.0
// Private: the inference thread's state, shared by scheduler.cpp (loop, queue, jobs) and
// scheduler_text.cpp (admission, chunked prefill, batched decode). Only that thread touches it.
#pragma once

#include <map>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "robomlx/serve/prefix_cache.h"
#include "robomlx/serve/sampler.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/utf8_stream.h"

namespace robomlx::serve {

/// A sampled token and, when the request asked for logprobs, its log-probabilities.
struct TokenChoice {
  int token = 0;
  float logprob = 0;                       // log-softmax of the raw logits at `token`
  std::vector<std::pair<int, float>> top;  // params.top_logprobs most likely
};

/// One running generation (a llama.cpp slot).
struct Sequence {
  Task task;
  TextModel* model = nullptr;
  SequenceId seq = -1;
  std::vector<int> prompt;
  std::vector<int> generated;
  std::unique_ptr<Sampler> sampler;
  TextAssembler text;
  bool prefilled = false;
  bool done = false;
  int reused = 0;  // leading prompt tokens whose keys and values came from the prefix cache
  int saved = 0;   // tokens of this sequence the prefix cache holds (reused, or saved since)
  int last_token = 0;
  Clock::time_point admitted{}, last_token_time{};

  const CompletionRequest& request() const { return std::get<CompletionRequest>(task.request); }
};

struct Scheduler::Impl {
  SchedulerOptions options;
  ServerMetrics* metrics = nullptr;
  PrefixCache prefix_cache;
  std::map<std::string, std::unique_ptr<TextModel>> text;
  std::map<std::string, std::unique_ptr<EmbeddingModel>> embedding;
  std::vector<std::unique_ptr<Sequence>> active;

  /// Tokenizes and starts `task`; on a bad prompt pushes a Failure and returns false.
  bool admit(Task&& task);
  /// One prompt chunk of the oldest sequence still prefilling; true when it did work.
  bool prefill_step();
  /// One batched decode step per model; true when it did work.
  bool decode_step();
  /// Cancelled, timed-out and finished sequences leave (their KV caches are released).
  void reap(Clock::time_point now);
  /// Ends every sequence with `failure` (shutdown).
  void abort_all(const Failure& failure);

 private:
  void on_token(Sequence& s, int token, const TokenChoice& choice);
  void finish(Sequence& s, const std::string& reason);
  /// Starts s's sequence (s.task is not set yet), from the longest cached prefix of its prompt when
  /// `model` has one.
  void start(Sequence& s, const std::string& model);
  /// Saves what s has computed into the prefix cache, when that adds enough to what it holds.
  void remember(Sequence& s);
};

}  // namespace robomlx::serve
