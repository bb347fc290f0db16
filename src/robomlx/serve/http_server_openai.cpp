// SPDX-License-Identifier: Apache-2.0
// The OpenAI routes: chat and text completions (whole or streamed as server-sent events) and
// embeddings. Parsing and formatting are openai_api.h; this file moves tasks and events.
#include <ctime>

#include "robomlx/serve/http_server_internal.h"

namespace robomlx::serve {

namespace {

using nlohmann::json;

// One streamed response, owned by its content provider (which outlives the handler).
struct StreamState {
  std::shared_ptr<ResultChannel> channel;
  ResponseMeta meta;
  bool include_usage = false;
  bool logprobs = false;
  bool started = false;
  bool finished = false;
};

ApiError no_model(const Scheduler& scheduler, const std::string& id) {
  if (!scheduler.ready()) return ApiError(503, "unavailable_error", "Loading model");
  return ApiError(404, "invalid_request_error", "The model '" + id + "' does not exist", "model", "model_not_found");
}

}  // namespace

void HttpServer::Impl::completions(const httplib::Request& req, httplib::Response& res, bool chat) {
  const json body = parse_body(req.body);
  ParsedCompletion parsed = chat ? parse_chat_request(body) : parse_completion_request(body);
  const std::string model = parsed.request.model;
  request_note().model = model;
  const auto served = scheduler.find(model, "text");
  if (!served) throw no_model(scheduler, model);
  if (parsed.max_tokens_given && parsed.request.params.max_tokens > served->context_length)
    throw bad_request("max_tokens is " + std::to_string(parsed.request.params.max_tokens) + " but the context of '" +
                          model + "' holds " + std::to_string(served->context_length) + " tokens",
                      "max_tokens");
  Task task;
  task.id = next_task.fetch_add(1);
  task.request = parsed.request;
  auto channel = task.channel;
  const bool logprobs = parsed.request.params.logprobs;
  const ResponseMeta meta{(chat ? "chatcmpl-" : "cmpl-") + std::to_string(started_at) + "-" + std::to_string(task.id),
                          model, static_cast<std::int64_t>(std::time(nullptr)), chat};
  submit(std::move(task));

  if (!parsed.stream) {
    std::string text;
    std::vector<TokenLogprob> lps;
    while (true) {
      Event e = wait_event(channel);
      if (auto* d = std::get_if<Delta>(&e)) {
        text += d->text;
        lps.insert(lps.end(), d->logprobs.begin(), d->logprobs.end());
      } else if (auto* f = std::get_if<Finish>(&e)) {
        request_note().prompt_tokens = f->prompt_tokens;
        request_note().completion_tokens = f->completion_tokens;
        return send_json(res, 200, completion_response(meta, text, *f, logprobs ? &lps : nullptr));
      } else if (auto* f = std::get_if<Failure>(&e)) {
        throw ApiError(f->status, f->type, f->message);
      }
    }
  }

  auto st = std::make_shared<StreamState>();
  st->channel = channel;
  st->meta = meta;
  st->include_usage = parsed.include_usage;
  st->logprobs = logprobs;
  in_flight.fetch_add(1);  // until the releaser runs: the stream outlives this handler
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, st](std::size_t, httplib::DataSink& sink) {
        auto write = [&](const json& j) {
          const std::string s = sse_event(j);
          return sink.write(s.data(), s.size());
        };
        if (!st->started) {
          st->started = true;
          return st->meta.chat ? write(role_chunk(st->meta)) : true;
        }
        std::optional<Event> e = st->channel->pop(std::chrono::milliseconds(100));
        // No news: a client that went away reads as a closed socket; stop here (the releaser cancels).
        if (!e) return sink.is_writable();
        if (auto* d = std::get_if<Delta>(&*e)) return write(delta_chunk(st->meta, *d, st->logprobs));
        if (auto* f = std::get_if<Finish>(&*e)) {
          st->finished = true;
          request_note().prompt_tokens = f->prompt_tokens;
          request_note().completion_tokens = f->completion_tokens;
          bool ok = write(finish_chunk(st->meta, f->reason));
          if (ok && st->include_usage) ok = write(usage_chunk(st->meta, *f));
          ok = ok && sink.write("data: [DONE]\n\n", 14);
          sink.done();
          return ok;
        }
        if (auto* f = std::get_if<Failure>(&*e)) {
          // Mid-stream errors go out as one error event, and the stream ends (llama.cpp's rule).
          st->finished = true;
          request_note().failure = f->status == 504 ? "timeout" : f->status == 503 ? "unavailable" : "backend";
          const bool ok = write(error_body(f->message, f->type));
          sink.done();
          return ok;
        }
        return true;
      },
      [this, st](bool) {
        if (!st->finished) scheduler.cancel(st->channel);  // disconnect or write failure: free the slot
        in_flight.fetch_sub(1);
      });
}

void HttpServer::Impl::embeddings(const httplib::Request& req, httplib::Response& res) {
  ParsedEmbedding parsed = parse_embedding_request(parse_body(req.body));
  const std::string model = parsed.request.model;
  request_note().model = model;
  const auto served = scheduler.find(model, "embedding");
  if (!served) throw no_model(scheduler, model);
  if (parsed.dimensions > served->embedding_dim)
    throw bad_request("'dimensions' is " + std::to_string(parsed.dimensions) + " but '" + model + "' has " +
                          std::to_string(served->embedding_dim),
                      "dimensions");
  const Event e = run_request(parsed.request);
  const auto& r = std::get<EmbeddingResult>(e);
  request_note().prompt_tokens = r.tokens;
  send_json(res, 200, embeddings_response(model, r, parsed.base64, parsed.dimensions));
}

void HttpServer::Impl::openai_routes() {
  svr.Post("/v1/chat/completions", guard([this](const auto& req, auto& res) { completions(req, res, true); }));
  svr.Post("/v1/completions", guard([this](const auto& req, auto& res) { completions(req, res, false); }));
  svr.Post("/v1/embeddings", guard([this](const auto& req, auto& res) { embeddings(req, res); }));
}

}  // namespace robomlx::serve
