// SPDX-License-Identifier: Apache-2.0
// The OpenAI wire format: request bodies -> tasks (strict: a wrong type, an out-of-range value,
// an unknown or unsupported field is a 400 that names the field), and results -> response
// bodies and server-sent-event chunks. Runs on HTTP threads; no model, no MLX.
//
// Streaming (specs/serving.md 1.4): chat sends one role-only first chunk
// (delta {"role":"assistant","content":""}), then content-only deltas, a final chunk with an
// empty delta and finish_reason, a usage chunk (choices []) when stream_options.include_usage,
// and `data: [DONE]`. Errors: {"error":{"message","type","param","code"}}.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/serve/inference_task.h"

namespace robomlx::serve {

inline constexpr int kMaxTokensLimit = 1 << 20;  // anything above is absurd for any model

/// A request the server refuses: HTTP status plus the OpenAI error fields.
struct ApiError : std::runtime_error {
  ApiError(int status, std::string type, const std::string& message, std::string param = "", std::string code = "")
      : std::runtime_error(message), status(status), type(std::move(type)), param(std::move(param)),
        code(std::move(code)) {}
  int status;
  std::string type;   // invalid_request_error, authentication_error, rate_limit_exceeded, ...
  std::string param;  // the offending field, or ""
  std::string code;
};

/// ApiError 400 with type invalid_request_error.
ApiError bad_request(const std::string& message, const std::string& param = "");

/// The body as a JSON object: 400 when it is not valid UTF-8, not JSON, or not an object.
nlohmann::json parse_body(const std::string& body);

struct ParsedCompletion {
  CompletionRequest request;
  bool stream = false;
  bool include_usage = false;
  bool max_tokens_given = false;  // else the context bounds the generation
};

ParsedCompletion parse_chat_request(const nlohmann::json& body);
ParsedCompletion parse_completion_request(const nlohmann::json& body);

struct ParsedEmbedding {
  EmbeddingRequest request;
  bool base64 = false;  // encoding_format "base64": little-endian float32, base64 (the SDK's default)
  int dimensions = 0;   // 0 = the model's
};

ParsedEmbedding parse_embedding_request(const nlohmann::json& body);

// ---- responses -----------------------------------------------------------------------------

struct ResponseMeta {
  std::string id;  // chatcmpl-..., cmpl-...
  std::string model;
  std::int64_t created = 0;  // Unix seconds
  bool chat = true;
};

nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param = "",
                          const std::string& code = "");
nlohmann::json error_body(const ApiError& e);

/// The whole (non-streamed) chat.completion or text_completion object.
nlohmann::json completion_response(const ResponseMeta& meta, const std::string& text, const Finish& finish,
                                   const std::vector<TokenLogprob>* logprobs);
/// The role-only first chunk of a chat stream.
nlohmann::json role_chunk(const ResponseMeta& meta);
/// A chunk with new text (and its tokens' logprobs when asked).
nlohmann::json delta_chunk(const ResponseMeta& meta, const Delta& delta, bool with_logprobs);
/// The closing chunk: empty delta (chat) or text "" (completions), finish_reason set.
nlohmann::json finish_chunk(const ResponseMeta& meta, const std::string& finish_reason);
/// The usage chunk (choices []) of stream_options.include_usage.
nlohmann::json usage_chunk(const ResponseMeta& meta, const Finish& finish);
nlohmann::json usage_json(const Finish& finish);

nlohmann::json embeddings_response(const std::string& model, const EmbeddingResult& result, bool base64,
                                   int dimensions);

/// `data: <json>\n\n`; invalid UTF-8 (never expected) is replaced rather than thrown.
std::string sse_event(const nlohmann::json& j);
/// json.dump() that replaces invalid UTF-8 instead of throwing.
std::string dump(const nlohmann::json& j);

}  // namespace robomlx::serve
