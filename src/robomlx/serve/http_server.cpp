// SPDX-License-Identifier: Apache-2.0
// Setup, authentication, the error policy, request logs, health, models and metrics routes.
#include "robomlx/serve/http_server.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "robomlx/serve/http_server_internal.h"
#include "robomlx/serve/kserve_protocol.h"

namespace robomlx::serve {

namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Compares without an early exit, so the time taken does not reveal how much of a key matched.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The metrics label of a path: the route, not the raw path (no label per model name).
std::string endpoint_of(const std::string& path) {
  static const char* fixed[] = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/health",
                                "/health/ready", "/metrics", "/v2", "/v2/health/live", "/v2/health/ready"};
  for (const char* f : fixed)
    if (path == f) return f;
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  if (path.rfind("/v2/models/", 0) == 0) {
    if (path.size() > 6 && path.compare(path.size() - 6, 6, "/infer") == 0) return "/v2/models/{m}/infer";
    if (path.size() > 6 && path.compare(path.size() - 6, 6, "/ready") == 0) return "/v2/models/{m}/ready";
    return "/v2/models/{m}";
  }
  return "other";
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const long ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

const char* failure_reason(int status) {
  switch (status) {
    case 401: return "auth";
    case 404: return "not_found";
    case 413: return "too_large";
    case 429: return "rejected";
    case 503: return "unavailable";
    case 504: return "timeout";
    default: return status >= 500 ? "backend" : "bad_request";
  }
}

}  // namespace

RequestNote& request_note() {
  thread_local RequestNote note;
  return note;
}

std::vector<std::string> read_api_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("[serve] --api-key-file: cannot read '" + path + "'");
  std::vector<std::string> keys;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (!line.empty() && line[0] != '#') keys.push_back(line);
  }
  if (keys.empty()) throw std::invalid_argument("[serve] --api-key-file: '" + path + "' holds no key");
  return keys;
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e, bool kserve) {
  send_json(res, e.status, kserve ? kserve_error(e.what()) : error_body(e));
  if (e.status == 429) res.set_header("Retry-After", "1");
  if (e.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  request_note().failure = failure_reason(e.status);
}

HttpServer::Impl::Handler HttpServer::Impl::guard(Handler h, bool is_public, bool kserve) {
  return [this, h = std::move(h), is_public, kserve](const httplib::Request& req, httplib::Response& res) {
    in_flight.fetch_add(1);
    try {
      if (!is_public && !options.api_keys.empty()) {
        const std::string auth = req.get_header_value("Authorization");
        const std::string prefix = "Bearer ";
        bool ok = false;
        if (auth.rfind(prefix, 0) == 0) {
          const std::string key = trim(auth.substr(prefix.size()));
          for (const auto& k : options.api_keys) ok = same_secret(key, k) || ok;
        }
        if (!ok)
          throw ApiError(401, "authentication_error", "Invalid or missing API key: send 'Authorization: Bearer <key>'",
                         "", "invalid_api_key");
      }
      if (!is_public && draining.load())
        throw ApiError(503, "unavailable_error", "The server is shutting down");
      h(req, res);
    } catch (const ApiError& e) {
      send_error(res, e, kserve && e.status != 401);  // 401 is OpenAI's authentication_error everywhere
    } catch (const std::invalid_argument& e) {
      send_error(res, bad_request(e.what()), kserve);
    } catch (const std::exception& e) {
      send_error(res, ApiError(500, "server_error", e.what()), kserve);
    }
    in_flight.fetch_sub(1);
  };
}

void HttpServer::Impl::submit(Task task) {
  request_note().task = task.id;
  switch (scheduler.submit(std::move(task))) {
    case Scheduler::Submit::accepted: return;
    case Scheduler::Submit::queue_full:
      throw ApiError(429, "rate_limit_exceeded",
                     "The server is busy: " + std::to_string(scheduler.options().max_queue) +
                         " requests are already waiting. Retry after a moment.",
                     "", "rate_limit_exceeded");
    case Scheduler::Submit::not_ready: throw ApiError(503, "unavailable_error", "Loading model");
    case Scheduler::Submit::stopping: throw ApiError(503, "unavailable_error", "The server is shutting down");
  }
}

Event HttpServer::Impl::wait_event(const std::shared_ptr<ResultChannel>& channel) {
  // The scheduler enforces the timeout; this bound only guards against a wedged loop.
  const auto until = Clock::now() + scheduler.options().timeout + std::chrono::seconds(30);
  while (Clock::now() < until)
    if (auto e = channel->pop(std::chrono::milliseconds(250))) return std::move(*e);
  scheduler.cancel(channel);
  throw ApiError(504, "timeout_error", "The request did not finish in time");
}

Event HttpServer::Impl::run_request(decltype(Task::request) request) {
  Task task;
  task.id = next_task.fetch_add(1);
  task.request = std::move(request);
  auto channel = task.channel;
  submit(std::move(task));
  Event e = wait_event(channel);
  if (auto* f = std::get_if<Failure>(&e)) throw ApiError(f->status, f->type, f->message);
  return e;
}

void HttpServer::Impl::write_log(const httplib::Request& req, const httplib::Response& res) {
  RequestNote& note = request_note();
  const double ms = note.start == Clock::time_point{}
                        ? 0.0
                        : std::chrono::duration<double, std::milli>(Clock::now() - note.start).count();
  metrics.count_request(endpoint_of(req.path), res.status);
  if (res.status >= 400) metrics.count_failure(note.failure.empty() ? failure_reason(res.status) : note.failure);
  json line = {{"time", utc_now()}, {"level", res.status >= 500 ? "error" : "info"}, {"event", "request"},
               {"method", req.method}, {"path", req.path}, {"status", res.status},
               {"ms", std::round(ms * 10) / 10}, {"remote", req.remote_addr}};
  if (note.task) line["task"] = note.task;
  if (!note.model.empty()) line["model"] = note.model;
  if (note.prompt_tokens >= 0) line["prompt_tokens"] = note.prompt_tokens;
  if (note.completion_tokens >= 0) line["completion_tokens"] = note.completion_tokens;
  {
    std::lock_guard<std::mutex> lock(log_mutex);
    std::ostream& out = options.log ? *options.log : std::cerr;
    out << dump(line) << std::endl;
  }
  note = RequestNote{};
}

void HttpServer::Impl::routes() {
  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_note() = RequestNote{};
    request_note().start = Clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) { write_log(req, res); });
  // Answers httplib produces by itself (404 unknown route, 413 too large, 400 unreadable) get an
  // error body in the OpenAI format too.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413)
      send_json(res, 413, error_body("The request body is larger than the server accepts", "invalid_request_error", "",
                                     "request_too_large"));
    else if (res.status == 404)
      send_json(res, 404, error_body("No route " + req.method + " " + req.path, "invalid_request_error", "", "not_found"));
    else
      send_json(res, res.status, error_body(res.status >= 500 ? "Internal server error" : "Bad request",
                                            res.status >= 500 ? "server_error" : "invalid_request_error"));
    return httplib::Server::HandlerResponse::Handled;
  }));

  auto health = [this](bool deep) {
    return [this, deep](const httplib::Request&, httplib::Response& res) {
      const std::string failed = scheduler.load_error();
      const bool beating = Clock::now() - scheduler.heartbeat() < std::chrono::seconds(30);
      std::string why;
      if (!failed.empty()) why = "Loading model failed: " + failed;
      else if (!scheduler.ready()) why = "Loading model";
      else if (draining.load()) why = "The server is shutting down";
      else if (deep && !beating) why = "The inference loop is not responding";
      if (why.empty()) return send_json(res, 200, {{"status", "ok"}});
      send_json(res, 503, {{"error", {{"code", 503}, {"message", why}, {"type", "unavailable_error"}}}});
    };
  };
  svr.Get("/health", guard(health(false), true));
  svr.Get("/health/ready", guard(health(true), true));
  svr.Get("/metrics", guard([this](const httplib::Request&, httplib::Response& res) {
    metrics.set_running(scheduler.running());
    metrics.set_waiting(scheduler.waiting());
    res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  }));

  auto model_json = [this](const ServedModel& m) {
    json j = {{"id", m.id}, {"object", "model"}, {"created", started_at}, {"owned_by", "robomlx"}};
    if (m.context_length > 0) j["context_length"] = m.context_length;
    return j;
  };
  svr.Get("/v1/models", guard([this, model_json](const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    for (const auto& m : scheduler.models())
      if (m.kind != "pipeline") data.push_back(model_json(m));
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  }));
  svr.Get(R"(/v1/models/(.+))", guard([this, model_json](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    auto m = scheduler.find(id);
    if (!m || m->kind == "pipeline")
      throw ApiError(404, "invalid_request_error", "The model '" + id + "' does not exist", "model", "model_not_found");
    send_json(res, 200, model_json(*m));
  }));
  openai_routes();
  kserve_routes();
}

HttpServer::HttpServer(ServerOptions options, Scheduler& scheduler, ServerMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), scheduler, metrics)) {
  Impl& s = *impl_;
  s.started_at = static_cast<std::int64_t>(std::time(nullptr));
  const auto& so = scheduler.options();
  // A streaming request holds its HTTP thread to the end, and idle keep-alive connections hold
  // one too: enough threads that every client the queue admits is served, plus spare ones.
  int threads = s.options.http_threads > 0 ? s.options.http_threads
                                           : std::clamp(2 * (so.max_batch + so.max_queue) + 16, 32, 512);
  s.svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  s.svr.set_payload_max_length(s.options.max_body_bytes);
  // cpp-httplib waits this long for a connection's first request too: a client that connects, then
  // is slow to send (a busy machine: 2 s lost requests of the 64-client load test), must not be cut.
  s.svr.set_keep_alive_timeout(10);
  s.svr.set_read_timeout(30, 0);
  s.svr.set_write_timeout(30, 0);
  s.routes();
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
  Impl& s = *impl_;
  int port = s.options.port;
  if (port == 0) port = s.svr.bind_to_any_port(s.options.host);
  else if (!s.svr.bind_to_port(s.options.host, port)) port = -1;
  if (port <= 0)
    throw std::runtime_error("[serve] cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                             " (address in use or not available)");
  return port;
}

void HttpServer::run() { impl_->svr.listen_after_bind(); }

void HttpServer::begin_drain() { impl_->draining.store(true); }

int HttpServer::in_flight() const { return impl_->in_flight.load(); }

bool HttpServer::wait_idle(std::chrono::milliseconds budget) {
  const auto until = Clock::now() + budget;
  while (impl_->in_flight.load() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return impl_->in_flight.load() == 0;
}

void HttpServer::stop() {
  if (impl_ && impl_->svr.is_running()) impl_->svr.stop();
}

}  // namespace robomlx::serve
