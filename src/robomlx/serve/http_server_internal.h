// SPDX-License-Identifier: Apache-2.0
// Private: the HTTP server's state, shared by http_server.cpp (setup, auth, logs, health,
// models, metrics), http_server_openai.cpp and http_server_kserve.cpp (the routes' bodies).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "robomlx/serve/http_server.h"
#include "robomlx/serve/openai_api.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/server_metrics.h"

namespace robomlx::serve {

/// What the request log line reports besides method, path and status; filled by the handler
/// and, for streams, by the content provider (same HTTP thread).
struct RequestNote {
  Clock::time_point start{};
  std::uint64_t task = 0;
  std::string model;
  int prompt_tokens = -1;
  int completion_tokens = -1;
  std::string failure;  // metrics reason when the request failed
};
RequestNote& request_note();

struct HttpServer::Impl {
  Impl(ServerOptions o, Scheduler& s, ServerMetrics& m) : options(std::move(o)), scheduler(s), metrics(m) {}

  ServerOptions options;
  Scheduler& scheduler;
  ServerMetrics& metrics;
  httplib::Server svr;
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  std::atomic<std::uint64_t> next_task{1};
  std::int64_t started_at = 0;  // Unix seconds, the "created" of /v1/models
  std::mutex log_mutex;

  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  /// Auth (unless public), drain check, in-flight count, and one error policy: ApiError as
  /// is, std::invalid_argument 400, anything else 500; handlers throw, never half-answer.
  Handler guard(Handler h, bool is_public = false, bool kserve = false);

  void routes();
  void openai_routes();
  void kserve_routes();

  void completions(const httplib::Request& req, httplib::Response& res, bool chat);
  void embeddings(const httplib::Request& req, httplib::Response& res);
  void infer(const httplib::Request& req, httplib::Response& res, const std::string& model);

  /// Submits `task` or throws ApiError (429 queue full with Retry-After, 503 loading or stopping).
  void submit(Task task);
  /// The next event of a non-streamed task, failing with 504 past the request timeout.
  Event wait_event(const std::shared_ptr<ResultChannel>& channel);
  /// A non-streamed request end to end: a task for `request`, submitted, its one result event
  /// (a Failure is thrown as ApiError).
  Event run_request(decltype(Task::request) request);

  void write_log(const httplib::Request& req, const httplib::Response& res);
};

/// Sends `e` as an OpenAI error body (or KServe {"error": ...}) with its status.
void send_error(httplib::Response& res, const ApiError& e, bool kserve = false);
void send_json(httplib::Response& res, int status, const nlohmann::json& body);

}  // namespace robomlx::serve
