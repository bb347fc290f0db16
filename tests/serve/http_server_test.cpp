// SPDX-License-Identifier: Apache-2.0
// The HTTP front in process, over loopback: keys (health public, 401 otherwise), size limit
// (413), OpenAI error bodies, SSE framing, the documented metric names, one JSON log line per
// request, and the key file reader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "live_server.h"
#include "robomlx/serve/openai_api.h"
#include "support.h"

namespace robomlx::serve {
namespace {

using nlohmann::json;
using test::LiveServer;

SchedulerOptions quick() {
  SchedulerOptions o;
  o.warmup = false;
  o.max_batch = 2;
  o.max_queue = 4;
  return o;
}

const std::string kChat = R"({"model":"echo","messages":[{"role":"user","content":"Hi"}]})";

TEST(HttpServer, KeysGuardEverythingButHealth) {
  ServerOptions ho;
  ho.api_keys = {"k1", "k2"};
  LiveServer s(quick(), {{"echo", ""}}, ho);
  ASSERT_TRUE(s.ready);
  auto anon = s.client();
  EXPECT_EQ(anon.Get("/health")->status, 200);
  EXPECT_EQ(anon.Get("/health/ready")->status, 200);
  EXPECT_EQ(anon.Get("/v2/health/live")->status, 200);
  for (const char* path : {"/v1/models", "/metrics", "/v2/models/stereo.sgm"}) {
    auto r = anon.Get(path);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(json::parse(r->body)["error"]["type"], "authentication_error") << path;
  }
  auto wrong = s.client("k3");
  auto r = wrong.Post("/v1/chat/completions", kChat, "application/json");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body)["error"]["type"], "authentication_error");
  auto ok = s.client("k2");
  r = ok.Post("/v1/chat/completions", kChat, "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["choices"][0]["message"]["content"], "Hi");
}

TEST(HttpServer, LimitsAndErrorBodies) {
  ServerOptions ho;
  ho.max_body_bytes = 4096;
  LiveServer s(quick(), {{"echo", ""}}, ho);
  ASSERT_TRUE(s.ready);
  auto c = s.client();
  const std::string big = R"({"model":"echo","prompt":")" + std::string(8000, 'x') + "\"}";
  auto r = c.Post("/v1/completions", big, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["error"]["type"], "invalid_request_error");
  r = c.Post("/v1/chat/completions", "{not json", "application/json");
  EXPECT_EQ(r->status, 400);
  r = c.Post("/v1/chat/completions", R"({"model":"other","messages":[{"role":"user","content":"x"}]})", "application/json");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "model_not_found");
  r = c.Post("/v1/chat/completions", R"({"model":"echo","messages":[{"role":"user","content":"x"}],"max_tokens":9000})",
             "application/json");
  EXPECT_EQ(r->status, 400) << "max_tokens above the context (8192)";
  EXPECT_EQ(c.Get("/v1/models/echo")->status, 200);
  EXPECT_EQ(c.Get("/v1/models/nope")->status, 404);
  EXPECT_EQ(c.Get("/no/such/route")->status, 404);
  s.stop();
  // One JSON line per request, with the documented keys.
  std::istringstream lines(s.log.str());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const json j = json::parse(line);
    for (const char* k : {"time", "method", "path", "status", "ms"}) EXPECT_TRUE(j.contains(k)) << line;
  }
  EXPECT_EQ(n, 7);
}

TEST(HttpServer, StreamsAreServerSentEvents) {
  LiveServer s(quick(), {{"echo", ""}});
  ASSERT_TRUE(s.ready);
  auto c = s.client();
  auto r = c.Post("/v1/chat/completions",
                  R"({"model":"echo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"ab\u00e9"}]})",
                  "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::vector<json> events;
  std::istringstream in(r->body);
  bool done = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ASSERT_EQ(line.rfind("data: ", 0), 0u) << line;
    if (line == "data: [DONE]") {
      done = true;
      continue;
    }
    events.push_back(json::parse(line.substr(6)));
  }
  EXPECT_TRUE(done);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  for (std::size_t i = 1; i + 2 < events.size(); ++i) {
    EXPECT_FALSE(events[i]["choices"][0]["delta"].contains("role"));
    text += events[i]["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, "ab\xC3\xA9");
  EXPECT_EQ(events[events.size() - 2]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(events.back()["usage"]["completion_tokens"], 5);  // a, b, two bytes of é, EOS
}

TEST(HttpServer, MetricsListEveryDocumentedName) {
  LiveServer s(quick(), {{"echo", ""}});
  ASSERT_TRUE(s.ready);
  auto c = s.client();
  ASSERT_EQ(c.Post("/v1/chat/completions", kChat, "application/json")->status, 200);
  // The request counter moves when the log line is written, just after the answer went out.
  std::string body;
  ASSERT_TRUE(test::eventually([&] {
    auto got = c.Get("/metrics");
    body = got && got->status == 200 ? got->body : "";
    return body.find("robomlx_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 1") != std::string::npos;
  }));
  for (const char* name :
       {"robomlx_requests_total", "robomlx_request_failure_total", "robomlx_request_success_total",
        "robomlx_requests_running", "robomlx_requests_waiting", "robomlx_prompt_tokens_total",
        "robomlx_generation_tokens_total", "robomlx_time_to_first_token_seconds", "robomlx_inter_token_latency_seconds",
        "robomlx_e2e_request_latency_seconds", "robomlx_queue_time_seconds", "robomlx_model_loaded",
        "robomlx_prefix_cache_lookups_total", "robomlx_prefix_cache_hits_total", "robomlx_prefix_cache_reused_tokens_total",
        "robomlx_prefix_cache_evictions_total", "robomlx_prefix_cache_bytes", "robomlx_prefix_cache_entries"})
    EXPECT_NE(body.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  EXPECT_NE(body.find("robomlx_model_loaded{model=\"echo\"} 1"), std::string::npos);
  EXPECT_NE(body.find("robomlx_time_to_first_token_seconds_count 1"), std::string::npos);
  EXPECT_NE(body.find("robomlx_time_to_first_token_seconds_bucket{le=\"+Inf\"} 1"), std::string::npos);
}

TEST(HttpServer, HealthIs503UntilTheModelsAreLoaded) {
  test::probe().reset();
  test::probe().load_delay = std::chrono::milliseconds(1500);
  ServerOptions ho;
  ho.api_keys = {"k"};
  LiveServer s(quick(), {{"probe-echo", ""}}, ho, /*wait_ready=*/false);
  auto c = s.client();
  auto r = c.Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})"));
  EXPECT_EQ(c.Get("/v2/health/ready")->status, 400);
  auto keyed = s.client("k");
  EXPECT_EQ(keyed.Post("/v1/chat/completions", R"({"model":"probe-echo","messages":[{"role":"user","content":"x"}]})",
                       "application/json")->status, 503);
  ASSERT_TRUE(test::eventually([&] { return c.Get("/health")->status == 200; }));
  EXPECT_EQ(keyed.Post("/v1/chat/completions", R"({"model":"probe-echo","messages":[{"role":"user","content":"x"}]})",
                       "application/json")->status, 200);
}

TEST(HttpServer, KeyFile) {
  const std::string path = robomlx::test::temp_dir() + "/serve-keys.txt";
  {
    std::ofstream f(path);
    f << "# keys\n\n  alpha  \nbeta\n";
  }
  EXPECT_EQ(read_api_key_file(path), (std::vector<std::string>{"alpha", "beta"}));
  {
    std::ofstream f(path);
    f << "# none\n";
  }
  EXPECT_THROW(read_api_key_file(path), std::invalid_argument);
  EXPECT_THROW(read_api_key_file(path + ".missing"), std::invalid_argument);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace robomlx::serve
