// SPDX-License-Identifier: Apache-2.0
// The typed tasks HTTP threads hand to the inference thread, and the events that come back.
// Everything here is plain data (no MLX object, no JSON): an HTTP thread parses a request into a
// Task, the scheduler's one inference thread (scheduler.h) turns it into model calls, and the
// results travel back through the task's ResultChannel as Events (llama.cpp's server_task /
// server_task_result split, with native types only).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "robomlx/serve/sampling.h"
#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

using Clock = std::chrono::steady_clock;
using TaskId = std::uint64_t;

/// /v1/chat/completions (chat = true, messages) or /v1/completions (prompt).
struct CompletionRequest {
  std::string model;
  bool chat = false;
  std::vector<ChatMessage> messages;
  std::string prompt;
  SamplingParams params;
};

/// /v1/embeddings: one vector per input text.
struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> inputs;
};

/// One KServe v2 tensor: shape, datatype ("UINT8", "UINT16", "FP32", ...) and its elements as
/// little-endian bytes in row-major order.
struct Tensor {
  std::string name;
  std::string datatype;
  std::vector<std::int64_t> shape;
  std::string bytes;
};

using ParamValue = std::variant<bool, std::int64_t, double, std::string>;

/// POST /v2/models/{model}/infer.
struct InferRequest {
  std::string model;
  std::string id;
  std::map<std::string, ParamValue> parameters;
  std::vector<Tensor> inputs;
  std::vector<std::string> outputs;  // requested output names; empty = all
};

/// Log probability of one generated token and of the most likely alternatives.
struct TokenLogprob {
  std::string token;  // the token's own bytes (may be part of a UTF-8 character)
  float logprob = 0;
  std::vector<std::pair<std::string, float>> top;
};

/// New text of a generation (complete UTF-8 only; stop strings held back until they are ruled out).
struct Delta {
  std::string text;
  std::vector<TokenLogprob> logprobs;
};

/// The end of a generation.
struct Finish {
  std::string reason;  // "stop" (end token or stop string) or "length" (max_tokens, context)
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

/// A request that failed after it was accepted: HTTP status and OpenAI error type.
struct Failure {
  int status = 500;
  std::string type = "server_error";
  std::string message;
};

struct EmbeddingResult {
  std::vector<std::vector<float>> vectors;
  int tokens = 0;
};

struct InferResult {
  std::string model;
  std::string id;
  std::vector<Tensor> outputs;
};

using Event = std::variant<Delta, Finish, Failure, EmbeddingResult, InferResult>;

/// Events of one task, from the inference thread (push) to one HTTP thread (pop). `cancel()`
/// goes the other way: a client that went away, or a server that shuts down.
class ResultChannel {
 public:
  void push(Event event) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(std::move(event));
    }
    ready_.notify_one();
  }
  /// The next event, waiting at most `wait`; nullopt when none came.
  std::optional<Event> pop(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, wait, [&] { return !events_.empty(); })) return std::nullopt;
    Event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Event> events_;
  std::atomic<bool> cancelled_{false};
};

struct Task {
  TaskId id = 0;
  std::variant<CompletionRequest, EmbeddingRequest, InferRequest> request;
  Clock::time_point enqueued{};
  Clock::time_point deadline = Clock::time_point::max();
  std::shared_ptr<ResultChannel> channel = std::make_shared<ResultChannel>();
};

}  // namespace robomlx::serve
