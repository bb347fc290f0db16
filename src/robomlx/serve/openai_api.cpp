// SPDX-License-Identifier: Apache-2.0
// Request parsing (the response side is openai_api_format.cpp).
#include "robomlx/serve/openai_api.h"

#include <cmath>
#include <set>

#include "robomlx/serve/utf8_stream.h"

namespace robomlx::serve {

namespace {

using nlohmann::json;

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_float: return "number";
    default: return "integer";
  }
}

// The fields of one JSON object: typed getters that name the field in every error, and a final
// check that nothing unknown was sent. A null value counts as absent (OpenAI's convention).
class Fields {
 public:
  Fields(const json& obj, std::string prefix = "") : obj_(obj), prefix_(std::move(prefix)) {}

  const json* get(const std::string& key) {
    seen_.insert(key);
    auto it = obj_.find(key);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void wrong(const std::string& key, const std::string& want, const json& v) const {
    throw bad_request("'" + prefix_ + key + "' must be " + want + ", got " + type_name(v), prefix_ + key);
  }
  std::optional<std::string> string(const std::string& key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) wrong(key, "a string", *v);
    return v->get<std::string>();
  }
  std::optional<bool> boolean(const std::string& key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) wrong(key, "a boolean", *v);
    return v->get<bool>();
  }
  std::optional<double> number(const std::string& key, double lo, double hi) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) wrong(key, "a number", *v);
    const double d = v->get<double>();
    if (!(d >= lo && d <= hi))
      throw bad_request("'" + prefix_ + key + "' must be in [" + fmt(lo) + ", " + fmt(hi) + "], got " + fmt(d),
                        prefix_ + key);
    return d;
  }
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t lo, std::int64_t hi) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) wrong(key, "an integer", *v);
    const std::int64_t i = v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(INT64_MAX)
                               ? INT64_MAX
                               : v->get<std::int64_t>();
    if (i < lo || i > hi)
      throw bad_request("'" + prefix_ + key + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "], got " + v->dump(),
                        prefix_ + key);
    return i;
  }
  /// Fields the server accepts but ignores (or accepts only as null / a no-op value).
  void ignore(std::initializer_list<const char*> keys) {
    for (const char* k : keys) seen_.insert(k);
  }
  void unsupported(std::initializer_list<const char*> keys) {
    for (const char* k : keys)
      if (get(k)) throw bad_request("'" + prefix_ + k + "' is not supported by this server", prefix_ + k);
  }
  void no_unknown() const {
    for (const auto& [k, v] : obj_.items())
      if (!seen_.count(k)) throw bad_request("unknown field '" + prefix_ + k + "'", prefix_ + k);
  }

 private:
  static std::string fmt(double d) {
    std::string s = json(d).dump();
    return s;
  }
  const json& obj_;
  std::string prefix_;
  std::set<std::string> seen_;
};

// Fields of chat and completions requests alike: model, sampling, stop, n, stream.
void parse_common(Fields& f, ParsedCompletion& out) {
  auto model = f.string("model");
  if (!model) throw bad_request("missing required parameter 'model'", "model");
  out.request.model = *model;
  SamplingParams& p = out.request.params;
  if (auto v = f.integer("n", 1, 128); v && *v != 1) throw bad_request("only n = 1 is supported", "n");
  if (auto v = f.number("temperature", 0, 2)) p.temperature = static_cast<float>(*v);
  if (auto v = f.number("top_p", 0, 1)) p.top_p = static_cast<float>(*v);
  if (auto v = f.integer("top_k", 0, 1 << 20)) p.top_k = static_cast<int>(*v);
  if (auto v = f.number("min_p", 0, 1)) p.min_p = static_cast<float>(*v);
  if (auto v = f.number("repetition_penalty", 0.01, 10)) p.repetition_penalty = static_cast<float>(*v);
  if (auto v = f.number("frequency_penalty", -2, 2)) p.frequency_penalty = static_cast<float>(*v);
  if (auto v = f.number("presence_penalty", -2, 2)) p.presence_penalty = static_cast<float>(*v);
  if (auto v = f.integer("seed", INT64_MIN, INT64_MAX)) p.seed = static_cast<std::uint64_t>(*v);
  if (const json* stop = f.get("stop")) {
    if (stop->is_string()) {
      p.stop = {stop->get<std::string>()};
    } else if (stop->is_array() && stop->size() <= 4) {
      for (const auto& s : *stop) {
        if (!s.is_string()) throw bad_request("'stop' must be a string or an array of up to 4 strings", "stop");
        p.stop.push_back(s.get<std::string>());
      }
    } else {
      throw bad_request("'stop' must be a string or an array of up to 4 strings", "stop");
    }
    for (const auto& s : p.stop)
      if (s.empty()) throw bad_request("'stop' strings must not be empty", "stop");
  }
  out.stream = f.boolean("stream").value_or(false);
  if (const json* so = f.get("stream_options")) {
    if (!so->is_object()) f.wrong("stream_options", "an object", *so);
    if (!out.stream) throw bad_request("'stream_options' is only allowed with stream = true", "stream_options");
    Fields sf(*so, "stream_options.");
    out.include_usage = sf.boolean("include_usage").value_or(false);
    sf.ignore({"continuous_usage_stats"});
    sf.no_unknown();
  }
  f.ignore({"user", "metadata", "store", "service_tier"});
  f.unsupported({"logit_bias", "tools", "tool_choice", "functions", "function_call", "parallel_tool_calls",
                 "response_format", "prediction", "audio", "modalities", "reasoning_effort", "best_of", "suffix"});
}

std::string message_content(const json& content, std::size_t i) {
  const std::string where = "messages[" + std::to_string(i) + "].content";
  if (content.is_null()) return "";
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) throw bad_request("'" + where + "' must be a string or an array of text parts", where);
  std::string text;
  for (const auto& part : content) {
    // Each test before the next one reads: a "type" that is not a string is refused, not thrown on.
    if (!part.is_object() || !part.contains("type") || part["type"] != "text" || !part.contains("text") ||
        !part["text"].is_string())
      throw bad_request("'" + where + "' parts must be {\"type\": \"text\", \"text\": string}", where);
    text += part["text"].get<std::string>();
  }
  return text;
}

}  // namespace

ApiError bad_request(const std::string& message, const std::string& param) {
  return ApiError(400, "invalid_request_error", message, param);
}

nlohmann::json parse_body(const std::string& body) {
  if (!is_valid_utf8(body)) throw bad_request("the request body is not valid UTF-8");
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // parse_error; out_of_range for numbers beyond double (1e999)
    throw bad_request(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw bad_request(std::string("the request body must be a JSON object, got ") + type_name(j));
  return j;
}

ParsedCompletion parse_chat_request(const nlohmann::json& body) {
  ParsedCompletion out;
  out.request.chat = true;
  out.request.params.max_tokens = kMaxTokensLimit;  // bounded by the context
  Fields f(body);
  parse_common(f, out);
  for (const char* key : {"max_tokens", "max_completion_tokens"})
    if (auto v = f.integer(key, 1, kMaxTokensLimit)) {
      out.request.params.max_tokens = static_cast<int>(*v);
      out.max_tokens_given = true;
    }
  out.request.params.logprobs = f.boolean("logprobs").value_or(false);
  if (auto v = f.integer("top_logprobs", 0, 20)) {
    if (!out.request.params.logprobs) throw bad_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    out.request.params.top_logprobs = static_cast<int>(*v);
  }
  const json* messages = f.get("messages");
  if (!messages) throw bad_request("missing required parameter 'messages'", "messages");
  if (!messages->is_array()) f.wrong("messages", "an array", *messages);
  if (messages->empty()) throw bad_request("'messages' must not be empty", "messages");
  static const std::set<std::string> roles = {"system", "developer", "user", "assistant", "tool"};
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw bad_request("'" + where + "' must be an object", where);
    Fields mf(m, where + ".");
    auto role = mf.string("role");
    if (!role || !roles.count(*role))
      throw bad_request("'" + where + ".role' must be one of system, developer, user, assistant, tool", where + ".role");
    mf.get("content");
    mf.ignore({"name", "tool_call_id"});
    mf.unsupported({"tool_calls", "function_call", "audio"});
    mf.no_unknown();
    out.request.messages.push_back({*role == "developer" ? "system" : *role, message_content(m.value("content", json()), i)});
  }
  f.no_unknown();
  return out;
}

ParsedCompletion parse_completion_request(const nlohmann::json& body) {
  ParsedCompletion out;
  out.request.chat = false;
  out.request.params.max_tokens = 16;  // OpenAI's default for /v1/completions
  Fields f(body);
  parse_common(f, out);
  if (auto v = f.integer("max_tokens", 1, kMaxTokensLimit)) {
    out.request.params.max_tokens = static_cast<int>(*v);
    out.max_tokens_given = true;
  }
  if (auto v = f.integer("logprobs", 0, 5)) {
    out.request.params.logprobs = true;
    out.request.params.top_logprobs = static_cast<int>(*v);
  }
  if (f.boolean("echo").value_or(false)) throw bad_request("'echo' is not supported by this server", "echo");
  const json* prompt = f.get("prompt");
  if (!prompt) throw bad_request("missing required parameter 'prompt'", "prompt");
  if (prompt->is_string()) {
    out.request.prompt = prompt->get<std::string>();
  } else if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    out.request.prompt = (*prompt)[0].get<std::string>();
  } else if (prompt->is_array() && prompt->size() > 1 && (*prompt)[0].is_string()) {
    throw bad_request("only one prompt per request is supported", "prompt");
  } else {
    throw bad_request("'prompt' must be a string (token-id prompts are not supported)", "prompt");
  }
  f.no_unknown();
  return out;
}

ParsedEmbedding parse_embedding_request(const nlohmann::json& body) {
  ParsedEmbedding out;
  Fields f(body);
  auto model = f.string("model");
  if (!model) throw bad_request("missing required parameter 'model'", "model");
  out.request.model = *model;
  const json* input = f.get("input");
  if (!input) throw bad_request("missing required parameter 'input'", "input");
  if (input->is_string()) {
    out.request.inputs = {input->get<std::string>()};
  } else if (input->is_array() && !input->empty() && input->size() <= 2048) {
    for (const auto& s : *input) {
      if (!s.is_string()) throw bad_request("'input' must be a string or an array of strings (token ids are not supported)", "input");
      out.request.inputs.push_back(s.get<std::string>());
    }
  } else {
    throw bad_request("'input' must be a string or an array of 1 to 2048 strings", "input");
  }
  for (const auto& s : out.request.inputs)
    if (s.empty()) throw bad_request("'input' strings must not be empty", "input");
  if (auto fmt = f.string("encoding_format")) {
    if (*fmt != "float" && *fmt != "base64")
      throw bad_request("'encoding_format' must be 'float' or 'base64', got '" + *fmt + "'", "encoding_format");
    out.base64 = *fmt == "base64";
  }
  if (auto d = f.integer("dimensions", 1, 1 << 16)) out.dimensions = static_cast<int>(*d);
  f.ignore({"user"});
  f.no_unknown();
  return out;
}

}  // namespace robomlx::serve
