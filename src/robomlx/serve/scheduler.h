// SPDX-License-Identifier: Apache-2.0
// The inference thread: it alone creates, runs and destroys every model and MLX array of the
// server (MLX streams are per thread; mlx-lm's server deadlocked sharing them). HTTP threads
// submit plain Tasks (inference_task.h) and read Events back from each task's ResultChannel.
//
// Loop, one iteration (continuous batching, llama.cpp's slots):
//   1. drop cancelled and timed-out work (a sequence's KV cache is released at once);
//   2. admit waiting completions while fewer than max_batch sequences run (tokenize, start);
//      run at most one embedding or KServe task;
//      a prompt starting with tokens of an earlier sequence takes their keys and values from the
//      prefix cache (prefix_cache.h) instead of recomputing them;
//   3. prefill at most `prefill_chunk` prompt tokens of one admitted sequence, so a long prompt
//      never stalls the running streams for more than one chunk;
//   4. one batched decode step per model over all its sequences that finished prefill;
//      sample (sampler.h), stream the new text (utf8_stream.h), finish on an end token,
//      a stop string, max_tokens or the context's end.
// The queue is bounded: submit() refuses a task while max_queue tasks wait (HTTP answers 429).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "robomlx/serve/inference_task.h"
#include "robomlx/serve/model_registry.h"

namespace robomlx::serve {

class ServerMetrics;

struct SchedulerOptions {
  int max_batch = 8;       // sequences decoded together
  int max_queue = 64;      // tasks waiting for a slot before submit() refuses
  int prefill_chunk = 256; // prompt tokens per prefill call
  /// Prefix cache size (prefix_cache.h); 0 disables it. At 256 MiB it holds ~5,700 tokens of
  /// SmolLM2's float32 keys and values (46 KiB a token) or ~14,000 of Gemma 3 270M's.
  long long prefix_cache_bytes = 256LL << 20;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // per request, queue time included
  bool warmup = true;      // one short generation / embedding / pipeline run before ready

  /// Throws std::invalid_argument "[serve] <field> must be ..., got ...".
  void validate() const;
};

/// What /v1/models and KServe metadata show (plain data, readable from any thread).
struct ServedModel {
  std::string id;
  std::string kind;  // "text", "embedding" or "pipeline"
  int context_length = 0;
  int embedding_dim = 0;
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, std::vector<ModelSource> models, ServerMetrics* metrics = nullptr);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Starts the inference thread: it loads every model, warms each up, then reports ready().
  void start();
  /// Stops the thread: cancels everything still queued or running (Failure 503), frees models.
  void stop();

  enum class Submit { accepted, queue_full, not_ready, stopping };
  Submit submit(Task task);
  /// Cancels a queued or running task (its sequence is released on the next iteration).
  void cancel(const std::shared_ptr<ResultChannel>& channel);
  /// Graceful shutdown: refuse new work, let running sequences finish within `budget`, then
  /// cancel what is left; returns true when everything finished by itself.
  bool drain(std::chrono::milliseconds budget);

  bool ready() const { return ready_.load(); }
  /// Non-empty when loading failed (the server then stays unready).
  std::string load_error() const;
  std::vector<ServedModel> models() const;
  std::optional<ServedModel> find(const std::string& id, const std::string& kind = "") const;
  int running() const { return running_.load(); }
  int waiting() const;
  /// Time of the loop's last iteration: /health/ready reports a wedged loop.
  Clock::time_point heartbeat() const { return Clock::time_point(Clock::duration(heartbeat_.load())); }
  const SchedulerOptions& options() const { return options_; }

  /// The inference thread's state (models, sequences; scheduler_internal.h): only it touches it.
  struct Impl;

 private:
  void loop();

  SchedulerOptions options_;
  std::vector<ModelSource> sources_;
  ServerMetrics* metrics_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;

  mutable std::mutex mutex_;  // guards inbox_, models_, load_error_, flags below
  std::condition_variable wake_;
  std::deque<Task> inbox_;
  std::vector<ServedModel> models_;
  std::string load_error_;
  bool stop_ = false;
  bool draining_ = false;
  bool wake_pending_ = false;  // set by submit/cancel/stop, so no wake-up is lost
  std::atomic<bool> ready_{false};
  std::atomic<int> running_{0};
  std::atomic<Clock::rep> heartbeat_{0};
};

}  // namespace robomlx::serve
