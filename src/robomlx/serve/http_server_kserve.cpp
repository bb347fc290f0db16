// SPDX-License-Identifier: Apache-2.0
// The KServe v2 (Open Inference Protocol) routes for the perception pipelines.
#include <charconv>

#include "robomlx/core/version.h"
#include "robomlx/serve/http_server_internal.h"
#include "robomlx/serve/kserve_protocol.h"

namespace robomlx::serve {

namespace {

using nlohmann::json;

ApiError unknown_model(const std::string& m) {
  std::string names;
  for (const auto& p : pipeline_specs()) names += (names.empty() ? "" : ", ") + p.name;
  return ApiError(404, "invalid_request_error", "unknown model '" + m + "' (pipelines: " + names + ")");
}

}  // namespace

void HttpServer::Impl::infer(const httplib::Request& req, httplib::Response& res, const std::string& model) {
  request_note().model = model;
  if (!find_pipeline(model)) throw unknown_model(model);
  std::optional<std::size_t> header_length;
  if (req.has_header("Inference-Header-Content-Length")) {
    const std::string v = req.get_header_value("Inference-Header-Content-Length");
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size())
      throw bad_request("Inference-Header-Content-Length must be a byte count, got '" + v + "'");
    header_length = n;
  }
  const ParsedInfer parsed = parse_infer_request(model, req.body, header_length);
  const Event e = run_request(parsed.request);
  const InferReply reply = format_infer_response(std::get<InferResult>(e), parsed);
  res.status = 200;
  if (reply.header_length) {
    res.set_header("Inference-Header-Content-Length", std::to_string(*reply.header_length));
    res.set_content(reply.body, "application/octet-stream");
  } else {
    res.set_content(reply.body, "application/json");
  }
}

void HttpServer::Impl::kserve_routes() {
  auto ready = [this] { return scheduler.ready() && !draining.load(); };
  svr.Get("/v2", guard(
                     [](const httplib::Request&, httplib::Response& res) {
                       send_json(res, 200, {{"name", "robomlx"}, {"version", kVersion}, {"extensions", {"binary_tensor_data"}}});
                     },
                     false, true));
  // Health answers carry no body: the status is the answer (200 true, 400 false).
  svr.Get("/v2/health/live", guard([](const httplib::Request&, httplib::Response& res) { res.status = 200; }, true, true));
  svr.Get("/v2/health/ready", guard(
                                  [ready](const httplib::Request&, httplib::Response& res) {
                                    if (!ready()) throw ApiError(400, "unavailable_error", "not ready");
                                    res.status = 200;
                                  },
                                  true, true));
  svr.Get(R"(/v2/models/([^/]+)/ready)", guard(
                                              [ready](const httplib::Request& req, httplib::Response& res) {
                                                const std::string m = req.matches[1];
                                                if (!find_pipeline(m)) throw unknown_model(m);
                                                if (!ready()) throw ApiError(400, "unavailable_error", "not ready");
                                                res.status = 200;
                                              },
                                              false, true));
  svr.Get(R"(/v2/models/([^/]+))", guard(
                                        [](const httplib::Request& req, httplib::Response& res) {
                                          const std::string m = req.matches[1];
                                          const auto spec = find_pipeline(m);
                                          if (!spec) throw unknown_model(m);
                                          send_json(res, 200, model_metadata(*spec));
                                        },
                                        false, true));
  svr.Post(R"(/v2/models/([^/]+)/infer)", guard(
                                              [this](const httplib::Request& req, httplib::Response& res) {
                                                infer(req, res, req.matches[1]);
                                              },
                                              false, true));
}

}  // namespace robomlx::serve
