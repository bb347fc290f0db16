// SPDX-License-Identifier: Apache-2.0
// Private: the inference thread's state, shared by scheduler.cpp (loop, queue, jobs) and
// scheduler_text.cpp (admission, chunked prefill, batched decode). Only that thread touches it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "robomlx/serve/basic_sampler.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/utf8_stream.h"

namespace robomlx::serve {

/// One running generation (a llama.cpp slot).
struct Sequence {
  Task task;
  TextModel* model = nullptr;
  SequenceId seq = -1;
  std::vector<int> prompt;
  std::vector<int> generated;
  std::unique_ptr<SamplerState> sampler;
  TextAssembler text;
  bool prefilled = false;
  bool done = false;
  int last_token = 0;
  Clock::time_point admitted{}, last_token_time{};

  const CompletionRequest& request() const { return std::get<CompletionRequest>(task.request); }
};

struct Scheduler::Impl {
  SchedulerOptions options;
  ServerMetrics* metrics = nullptr;
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
};

}  // namespace robomlx::serve
