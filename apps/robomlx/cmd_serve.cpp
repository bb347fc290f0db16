// SPDX-License-Identifier: Apache-2.0
// `robomlx serve --model NAME[=PATH] | --models DIR [--port P] [--host H] [--api-key K]
//  [--api-key-file F] [--max-batch N] [--max-queue N] [--timeout S] [--max-body-mb M]
//  [--drain-timeout S] [--prefix-cache-mb M] [--no-warmup]`: the OpenAI-compatible and KServe v2 server
// (src/robomlx/serve/). Prints `robomlx serve: listening on http://HOST:PORT` on stdout once
// the socket is bound (port 0 picks a free one), JSON log lines on stderr. SIGINT / SIGTERM:
// stop taking work (503), let running streams finish within --drain-timeout, then exit 0.
#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/serve/http_server.h"
#include "robomlx/serve/kserve_splat.h"
#include "robomlx/serve/model_registry.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/server_metrics.h"

namespace robomlx::cli {

namespace {

struct ServeArgs {
  std::vector<std::string> models;
  std::string models_dir;
  std::vector<std::string> splat_scenes;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> api_keys;
  std::string api_key_file;
  int max_batch = 8;
  int max_queue = 64;
  double timeout_s = 600;
  double drain_s = 10;
  double max_body_mb = 16;
  double prefix_cache_mb = 256;
  bool no_warmup = false;
};

std::atomic<int> g_stop_signal{0};

extern "C" void on_serve_signal(int sig) { g_stop_signal.store(sig); }  // lock-free: signal-safe

void log_event(const std::string& event, const std::string& detail) {
  std::cerr << R"({"level":"info","event":")" << event << R"(","detail":")" << detail << "\"}" << std::endl;
}

void run_serve(const GlobalOptions& global, const ServeArgs& args) {
  if (args.models.empty() && args.models_dir.empty() && args.splat_scenes.empty())
    throw std::invalid_argument(
        "[serve] give --model NAME (registered: echo, echo-slow, echo-embed, ...), --models DIR or --splat-scene FILE.ply");
  for (const auto& ply : args.splat_scenes) log_event("splat_scene", serve::add_splat_scene(ply));
  std::vector<serve::ModelSource> sources;
  for (const auto& m : args.models) sources.push_back(serve::parse_model_source(m));
  if (!args.models_dir.empty())
    for (auto& m : serve::models_in_directory(args.models_dir)) sources.push_back(std::move(m));
  if (args.port < 0 || args.port > 65535)
    throw std::invalid_argument("[serve] --port must be in [0, 65535], got " + std::to_string(args.port));
  if (!(args.timeout_s > 0) || !(args.drain_s >= 0) || !(args.max_body_mb > 0))
    throw std::invalid_argument("[serve] --timeout and --max-body-mb must be > 0, --drain-timeout >= 0");
  if (!(args.prefix_cache_mb >= 0) || args.prefix_cache_mb > 1 << 20)
    throw std::invalid_argument("[serve] --prefix-cache-mb must be in [0, 1048576]");

  serve::SchedulerOptions so;
  so.max_batch = args.max_batch;
  so.max_queue = args.max_queue;
  so.timeout = std::chrono::milliseconds(static_cast<long long>(args.timeout_s * 1000));
  so.warmup = !args.no_warmup;
  so.prefix_cache_bytes = static_cast<long long>(args.prefix_cache_mb * (1 << 20));
  so.validate();
  serve::ServerOptions ho;
  ho.host = args.host;
  ho.port = args.port;
  ho.api_keys = args.api_keys;
  if (!args.api_key_file.empty())
    for (auto& k : serve::read_api_key_file(args.api_key_file)) ho.api_keys.push_back(std::move(k));
  for (const auto& k : ho.api_keys)
    if (k.empty()) throw std::invalid_argument("[serve] --api-key must not be empty");
  ho.max_body_bytes = static_cast<std::size_t>(args.max_body_mb * 1024 * 1024);

  const mx::Device device = apply_device(global);
  // Our handlers replace the staged-output ones (serve writes no staged files); a closed client
  // socket must not kill the process either.
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  std::signal(SIGPIPE, SIG_IGN);

  serve::ServerMetrics metrics;
  serve::Scheduler scheduler(so, sources, &metrics);
  serve::HttpServer http(ho, scheduler, metrics);
  const int port = http.bind();
  // Listening first, so /health answers 503 "Loading model" while the models load and warm up.
  std::thread server([&] { http.run(); });
  scheduler.start();
  std::cout << "robomlx serve: listening on http://" << args.host << ":" << port << " (" << describe_device(device)
            << ")" << std::endl;
  log_event("listening", args.host + ":" + std::to_string(port));

  bool announced = false;
  while (g_stop_signal.load() == 0) {
    if (!announced && scheduler.ready()) {
      announced = true;
      log_event("ready", std::to_string(scheduler.models().size()) + " models");
    }
    if (!announced && !scheduler.load_error().empty()) {
      log_event("load_failed", scheduler.load_error());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto budget = std::chrono::milliseconds(static_cast<long long>(args.drain_s * 1000));
  log_event("draining", "signal " + std::to_string(g_stop_signal.load()));
  http.begin_drain();
  const bool drained = scheduler.drain(budget);
  scheduler.stop();  // what did not finish in time ends with a 503 error event
  http.wait_idle(drained ? budget : std::chrono::milliseconds(2000));
  http.stop();
  server.join();
  log_event("stopped", drained ? "drained" : "drain timeout: remaining requests cancelled");
  const std::string failed = scheduler.load_error();
  if (!failed.empty()) throw std::runtime_error("[serve] loading models failed: " + failed);
}

void add_serve(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "OpenAI-compatible LLM / embedding server and KServe v2 perception pipelines");
  cmd->add_option("--model", args->models, "Model to serve, NAME or NAME=PATH (repeatable; registered: " +
                                                [] {
                                                  std::string s;
                                                  for (const auto& n : serve::registered_model_names())
                                                    s += (s.empty() ? "" : ", ") + n;
                                                  return s;
                                                }() + ")");
  cmd->add_option("--models", args->models_dir, "Folder whose entries named after registered models are served");
  cmd->add_option("--splat-scene", args->splat_scenes,
                  "3DGS PLY served as the KServe model splat.render.<file stem> (repeatable)");
  cmd->add_option("--host", args->host, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "Port (default 8080; 0 = any free port, printed)");
  cmd->add_option("--api-key", args->api_keys, "Required bearer key (repeatable)");
  cmd->add_option("--api-key-file", args->api_key_file, "File of bearer keys, one per line");
  cmd->add_option("--max-batch", args->max_batch, "Sequences decoded together (default 8)");
  cmd->add_option("--max-queue", args->max_queue, "Requests waiting before 429 (default 64)");
  cmd->add_option("--timeout", args->timeout_s, "Per-request timeout in seconds, queue included (default 600)");
  cmd->add_option("--drain-timeout", args->drain_s, "On SIGINT/SIGTERM, seconds running requests may finish (default 10)");
  cmd->add_option("--max-body-mb", args->max_body_mb, "Largest request body in MiB (default 16; larger: 413)");
  cmd->add_option("--prefix-cache-mb", args->prefix_cache_mb,
                  "MiB of keys and values kept for reuse by prompts sharing a prefix (default 256; 0: off)");
  cmd->add_flag("--no-warmup", args->no_warmup, "Report ready without the warm-up run");
  cmd->callback([&global, args] { run_serve(global, *args); });
}

}  // namespace

ROBOMLX_COMMAND(serve, add_serve);

}  // namespace robomlx::cli
