// SPDX-License-Identifier: Apache-2.0
// The HTTP front of `robomlx serve` (cpp-httplib, a pool of HTTP threads). Routes:
//   OpenAI   POST /v1/chat/completions, /v1/completions (SSE when stream), /v1/embeddings;
//            GET /v1/models, /v1/models/{id}
//   health   GET /health (200 {"status":"ok"} once every model is loaded and warmed up, 503
//            {"error":{"code":503,"message":"Loading model","type":"unavailable_error"}} before),
//            GET /health/ready (also 503 when the inference loop stopped beating), GET /metrics
//   KServe   GET /v2, /v2/health/live, /v2/health/ready, /v2/models/{m}, /v2/models/{m}/ready,
//            POST /v2/models/{m}/infer (kserve_protocol.h)
// Every route but the health ones needs `Authorization: Bearer <key>` when keys are set (401
// authentication_error). Bodies above max_body_bytes get 413; malformed ones 400 naming the
// field; a full queue 429 rate_limit_exceeded with Retry-After. One JSON log line per request
// (time, method, path, status, ms, task, model, prompt/completion tokens).
// HTTP threads never touch a model: they parse, submit a Task to the Scheduler and format its
// events. A streaming client that goes away (write fails, or the socket reads as closed while
// waiting) cancels its task, which frees its sequence.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace robomlx::serve {

class Scheduler;
class ServerMetrics;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                          // 0 = any free port (bind() returns it)
  std::vector<std::string> api_keys;        // empty = no authentication
  std::size_t max_body_bytes = 16u << 20;   // larger bodies get 413
  int http_threads = 0;                     // 0 = enough for max_batch + max_queue clients
  std::ostream* log = nullptr;              // JSON log lines; nullptr = std::cerr
};

/// Keys from a file: one per line, surrounding blanks trimmed, empty lines and '#' lines skipped.
/// Throws std::invalid_argument when the file cannot be read or holds no key.
std::vector<std::string> read_api_key_file(const std::string& path);

class HttpServer {
 public:
  HttpServer(ServerOptions options, Scheduler& scheduler, ServerMetrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the listening socket; returns the port. Throws std::runtime_error when it cannot.
  int bind();
  /// Serves until stop(); call from one thread after bind().
  void run();
  /// From now on every route but the health ones answers 503, and /health says not ready.
  void begin_drain();
  /// Waits until no request is in flight (streams included) or `budget` passed; true when none is.
  bool wait_idle(std::chrono::milliseconds budget);
  int in_flight() const;
  /// Closes the listening socket; run() returns once the HTTP threads finished.
  void stop();

  struct Impl;  // http_server_internal.h

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace robomlx::serve
