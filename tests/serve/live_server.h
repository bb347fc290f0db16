// SPDX-License-Identifier: Apache-2.0
// An in-process server on a free loopback port for the HTTP tests: scheduler + HttpServer on
// their own threads, a cpp-httplib client to talk to it, everything stopped at scope exit.
#pragma once

#include <memory>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "fake_models.h"
#include "robomlx/serve/http_server.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/server_metrics.h"

namespace robomlx::serve::test {

struct LiveServer {
  LiveServer(SchedulerOptions so, std::vector<ModelSource> models, ServerOptions ho = {}, bool wait_ready = true) {
    ho.host = "127.0.0.1";
    ho.port = 0;
    ho.log = &log;
    scheduler = std::make_unique<Scheduler>(so, std::move(models), &metrics);
    http = std::make_unique<HttpServer>(ho, *scheduler, metrics);
    port = http->bind();
    thread = std::thread([this] { http->run(); });
    scheduler->start();
    if (!wait_ready) return;
    ready = eventually([this] { return scheduler->ready() || !scheduler->load_error().empty(); }, std::chrono::seconds(60));
  }
  ~LiveServer() { stop(); }
  void stop() {
    if (!http) return;
    http->stop();
    if (thread.joinable()) thread.join();
    scheduler->stop();
    http.reset();
  }
  httplib::Client client(const std::string& key = "") const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    if (!key.empty()) c.set_bearer_token_auth(key);
    return c;
  }

  std::ostringstream log;  // read only after stop(): HTTP threads write it
  ServerMetrics metrics;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<HttpServer> http;
  std::thread thread;
  int port = 0;
  bool ready = false;
};

}  // namespace robomlx::serve::test
