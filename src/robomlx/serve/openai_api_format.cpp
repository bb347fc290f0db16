// SPDX-License-Identifier: Apache-2.0
// Response bodies and stream chunks of the OpenAI API (requests: openai_api.cpp).
#include <cmath>
#include <cstring>

#include "robomlx/serve/openai_api.h"
#include "robomlx/serve/utf8_stream.h"

namespace robomlx::serve {

namespace {

using nlohmann::json;

json bytes_of(const std::string& s) {
  json out = json::array();
  for (unsigned char c : s) out.push_back(int(c));
  return out;
}

// Chat: {"content": [{token, logprob, bytes, top_logprobs}]}.
json chat_logprobs(const std::vector<TokenLogprob>& lps) {
  json content = json::array();
  for (const auto& lp : lps) {
    json top = json::array();
    for (const auto& [t, v] : lp.top) top.push_back({{"token", sanitize_utf8(t)}, {"logprob", v}, {"bytes", bytes_of(t)}});
    content.push_back({{"token", sanitize_utf8(lp.token)}, {"logprob", lp.logprob}, {"bytes", bytes_of(lp.token)},
                       {"top_logprobs", top}});
  }
  return {{"content", content}};
}

// Completions (legacy): parallel arrays.
json completion_logprobs(const std::vector<TokenLogprob>& lps, std::size_t offset) {
  json tokens = json::array(), values = json::array(), tops = json::array(), offsets = json::array();
  for (const auto& lp : lps) {
    tokens.push_back(sanitize_utf8(lp.token));
    values.push_back(lp.logprob);
    json top = json::object();
    for (const auto& [t, v] : lp.top) top[sanitize_utf8(t)] = v;
    tops.push_back(top);
    offsets.push_back(offset);
    offset += lp.token.size();
  }
  return {{"tokens", tokens}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

json envelope(const ResponseMeta& m, const char* object) {
  return {{"id", m.id}, {"object", object}, {"created", m.created}, {"model", m.model}};
}

std::string base64(const unsigned char* p, std::size_t n) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const unsigned v = (p[i] << 16) | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    out += i + 1 < n ? a[(v >> 6) & 63] : '=';
    out += i + 2 < n ? a[v & 63] : '=';
  }
  return out;
}

}  // namespace

nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param,
                          const std::string& code) {
  return {{"error",
           {{"message", sanitize_utf8(message)},
            {"type", type},
            {"param", param.empty() ? json() : json(param)},
            {"code", code.empty() ? json() : json(code)}}}};
}

nlohmann::json error_body(const ApiError& e) { return error_body(e.what(), e.type, e.param, e.code); }

nlohmann::json usage_json(const Finish& f) {
  return {{"prompt_tokens", f.prompt_tokens},
          {"completion_tokens", f.completion_tokens},
          {"total_tokens", f.prompt_tokens + f.completion_tokens}};
}

nlohmann::json completion_response(const ResponseMeta& m, const std::string& text, const Finish& finish,
                                   const std::vector<TokenLogprob>* logprobs) {
  json j = envelope(m, m.chat ? "chat.completion" : "text_completion");
  json choice = {{"index", 0}, {"finish_reason", finish.reason}};
  if (m.chat) {
    choice["message"] = {{"role", "assistant"}, {"content", text}};
    choice["logprobs"] = logprobs ? chat_logprobs(*logprobs) : json();
  } else {
    choice["text"] = text;
    choice["logprobs"] = logprobs ? completion_logprobs(*logprobs, 0) : json();
  }
  j["choices"] = json::array({choice});
  j["usage"] = usage_json(finish);
  return j;
}

nlohmann::json role_chunk(const ResponseMeta& m) {
  json j = envelope(m, "chat.completion.chunk");
  j["choices"] = json::array(
      {{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}});
  return j;
}

nlohmann::json delta_chunk(const ResponseMeta& m, const Delta& d, bool with_logprobs) {
  json j = envelope(m, m.chat ? "chat.completion.chunk" : "text_completion");
  json choice = {{"index", 0}, {"finish_reason", nullptr}};
  if (m.chat) {
    choice["delta"] = {{"content", d.text}};
    choice["logprobs"] = with_logprobs ? chat_logprobs(d.logprobs) : json();
  } else {
    choice["text"] = d.text;
    choice["logprobs"] = with_logprobs ? completion_logprobs(d.logprobs, 0) : json();
  }
  j["choices"] = json::array({choice});
  return j;
}

nlohmann::json finish_chunk(const ResponseMeta& m, const std::string& finish_reason) {
  json j = envelope(m, m.chat ? "chat.completion.chunk" : "text_completion");
  json choice = {{"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish_reason}};
  if (m.chat) choice["delta"] = json::object();
  else choice["text"] = "";
  j["choices"] = json::array({choice});
  return j;
}

nlohmann::json usage_chunk(const ResponseMeta& m, const Finish& finish) {
  json j = envelope(m, m.chat ? "chat.completion.chunk" : "text_completion");
  j["choices"] = json::array();
  j["usage"] = usage_json(finish);
  return j;
}

nlohmann::json embeddings_response(const std::string& model, const EmbeddingResult& r, bool b64, int dimensions) {
  json data = json::array();
  for (std::size_t i = 0; i < r.vectors.size(); ++i) {
    std::vector<float> v = r.vectors[i];
    if (dimensions > 0 && dimensions < static_cast<int>(v.size())) {  // shortened, then unit length again
      v.resize(dimensions);
      double n = 0;
      for (float x : v) n += double(x) * x;
      if (n > 0)
        for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
    }
    json e = {{"object", "embedding"}, {"index", i}};
    if (b64) {
      // float32 little-endian, as the SDK decodes it (every supported host is little-endian).
      e["embedding"] = base64(reinterpret_cast<const unsigned char*>(v.data()), v.size() * sizeof(float));
    } else {
      e["embedding"] = v;
    }
    data.push_back(e);
  }
  return {{"object", "list"},
          {"data", data},
          {"model", model},
          {"usage", {{"prompt_tokens", r.tokens}, {"total_tokens", r.tokens}}}};
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const nlohmann::json& j) { return "data: " + dump(j) + "\n\n"; }

}  // namespace robomlx::serve
