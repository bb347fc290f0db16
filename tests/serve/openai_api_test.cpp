// SPDX-License-Identifier: Apache-2.0
// Request parsing: every malformed body is a 400 naming the field; good bodies fill the task.
// Response formatting: the streaming chunks and bodies have the fields clients read.
#include <gtest/gtest.h>

#include "robomlx/serve/openai_api.h"

namespace robomlx::serve {
namespace {

using nlohmann::json;

const json kChat = json::parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");

// The ApiError of parsing `body` as a chat request (status 0 when it parsed).
ApiError chat_error(const json& body) {
  try {
    parse_chat_request(body);
  } catch (const ApiError& e) {
    return e;
  }
  return ApiError(0, "", "parsed");
}

json with(json base, const std::string& key, json value) {
  base[key] = std::move(value);
  return base;
}

TEST(OpenAiApi, BodiesThatAreNotJsonObjects) {
  // 1e999 is valid JSON syntax but overflows a double: nlohmann throws out_of_range, not parse_error
  // (the KServe fuzz target found it; the server answered 500).
  for (const std::string body : {"{bad", "[1,2]", "\"text\"", "", "{\"model\":\"\xff\"}", "{\"max_tokens\": 1e999}",
                                 "{\"shape\": [-5e55555555550]}"}) {
    try {
      parse_body(body);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400);
      EXPECT_EQ(e.type, "invalid_request_error");
    }
  }
  EXPECT_NO_THROW(parse_body(R"({"a":"h\u00e9"})"));
}

TEST(OpenAiApi, ChatFieldsAreCheckedByTypeAndRange) {
  struct Case {
    json body;
    std::string param;
  };
  const std::vector<Case> cases = {
      {json::parse(R"({"messages":[{"role":"user","content":"x"}]})"), "model"},
      {json::parse(R"({"model":"m"})"), "messages"},
      {with(kChat, "messages", "hi"), "messages"},
      {with(kChat, "messages", json::array()), "messages"},
      {with(kChat, "messages", json::parse(R"([{"role":"robot","content":"x"}])")), "messages[0].role"},
      {with(kChat, "messages", json::parse(R"([{"role":"user","content":5}])")), "messages[0].content"},
      {with(kChat, "messages", json::parse(R"([{"role":"user","content":"x","colour":1}])")), "messages[0].colour"},
      {with(kChat, "messages", json::parse(R"([{"role":"user","content":[{"type":1,"text":"x"}]}])")), "messages[0].content"},
      {with(kChat, "model", 7), "model"},
      {with(kChat, "max_tokens", 0), "max_tokens"},
      {with(kChat, "max_tokens", -5), "max_tokens"},
      {with(kChat, "max_tokens", 1e12), "max_tokens"},
      {with(kChat, "max_tokens", 100000000000LL), "max_tokens"},
      {with(kChat, "max_tokens", "10"), "max_tokens"},
      {with(kChat, "temperature", "hot"), "temperature"},
      {with(kChat, "temperature", 3.5), "temperature"},
      {with(kChat, "top_p", 1.5), "top_p"},
      {with(kChat, "n", 2), "n"},
      {with(kChat, "stream", "yes"), "stream"},
      {with(kChat, "stop", json::array({"a", "b", "c", "d", "e"})), "stop"},
      {with(kChat, "stop", json::array({1})), "stop"},
      {with(kChat, "stop", ""), "stop"},
      {with(kChat, "stream_options", json::parse(R"({"include_usage":true})")), "stream_options"},
      {with(kChat, "top_logprobs", 3), "top_logprobs"},
      {with(kChat, "tools", json::array({json::object()})), "tools"},
      {with(kChat, "frobnicate", 1), "frobnicate"},
  };
  for (const auto& c : cases) {
    const ApiError e = chat_error(c.body);
    EXPECT_EQ(e.status, 400) << c.body.dump();
    EXPECT_EQ(e.param, c.param) << c.body.dump() << " -> " << e.what();
  }
}

TEST(OpenAiApi, ChatRequestFillsTheTask) {
  json b = kChat;
  b["messages"] = json::parse(
      R"([{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}])");
  b["max_tokens"] = 12;
  b["temperature"] = 0;
  b["seed"] = 42;
  b["stop"] = "x";
  b["stream"] = true;
  b["stream_options"] = {{"include_usage", true}};
  b["logprobs"] = true;
  b["top_logprobs"] = 2;
  b["tools"] = nullptr;  // null is absent
  const ParsedCompletion p = parse_chat_request(b);
  EXPECT_TRUE(p.stream);
  EXPECT_TRUE(p.include_usage);
  EXPECT_TRUE(p.max_tokens_given);
  const CompletionRequest& r = p.request;
  EXPECT_TRUE(r.chat);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(r.params.max_tokens, 12);
  EXPECT_EQ(r.params.temperature, 0.0f);
  EXPECT_EQ(r.params.seed, 42u);
  EXPECT_EQ(r.params.stop, std::vector<std::string>{"x"});
  EXPECT_TRUE(r.params.logprobs);
  EXPECT_EQ(r.params.top_logprobs, 2);
  EXPECT_FALSE(parse_chat_request(kChat).max_tokens_given);
}

TEST(OpenAiApi, CompletionAndEmbeddingRequests) {
  const auto c = parse_completion_request(json::parse(R"({"model":"m","prompt":["one"],"logprobs":2})"));
  EXPECT_EQ(c.request.prompt, "one");
  EXPECT_EQ(c.request.params.max_tokens, 16);
  EXPECT_EQ(c.request.params.top_logprobs, 2);
  for (const char* bad : {R"({"model":"m"})", R"({"model":"m","prompt":[1,2]})", R"({"model":"m","prompt":["a","b"]})",
                          R"({"model":"m","prompt":"a","echo":true})", R"({"model":"m","prompt":"a","logprobs":9})"}) {
    EXPECT_THROW(parse_completion_request(json::parse(bad)), ApiError) << bad;
  }
  const auto e = parse_embedding_request(json::parse(R"({"model":"m","input":["a","b"],"encoding_format":"base64"})"));
  EXPECT_EQ(e.request.inputs.size(), 2u);
  EXPECT_TRUE(e.base64);
  for (const char* bad : {R"({"model":"m"})", R"({"model":"m","input":[]})", R"({"model":"m","input":[[1,2]]})",
                          R"({"model":"m","input":""})", R"({"model":"m","input":"a","encoding_format":"hex"})"}) {
    EXPECT_THROW(parse_embedding_request(json::parse(bad)), ApiError) << bad;
  }
}

TEST(OpenAiApi, ChunksAndBodies) {
  const ResponseMeta chat{"chatcmpl-1", "m", 7, true};
  const json role = role_chunk(chat);
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"], json({{"role", "assistant"}, {"content", ""}}));
  const json d = delta_chunk(chat, Delta{"h\xC3\xA9", {}}, false);
  EXPECT_FALSE(d["choices"][0]["delta"].contains("role"));
  EXPECT_EQ(d["choices"][0]["delta"]["content"], "h\xC3\xA9");
  const json f = finish_chunk(chat, "length");
  EXPECT_EQ(f["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(f["choices"][0]["delta"], json::object());
  const Finish fin{"stop", 3, 4};
  EXPECT_EQ(usage_chunk(chat, fin)["usage"]["total_tokens"], 7);
  EXPECT_EQ(usage_chunk(chat, fin)["choices"], json::array());
  const json whole = completion_response({"cmpl-1", "m", 7, false}, "abc", fin, nullptr);
  EXPECT_EQ(whole["object"], "text_completion");
  EXPECT_EQ(whole["choices"][0]["text"], "abc");
  EXPECT_EQ(sse_event(json{{"a", 1}}), "data: {\"a\":1}\n\n");
  // A token that is half a character still serialises (its bytes are kept in "bytes").
  const json lp = delta_chunk(chat, Delta{"", {TokenLogprob{"\xE2\x9C", -0.5f, {}}}}, true);
  EXPECT_EQ(lp["choices"][0]["logprobs"]["content"][0]["bytes"], json::array({0xE2, 0x9C}));
  EXPECT_NO_THROW(dump(lp));
  const json err = error_body(ApiError(429, "rate_limit_exceeded", "busy", "", "rate_limit_exceeded"));
  EXPECT_EQ(err["error"]["type"], "rate_limit_exceeded");
  EXPECT_TRUE(err["error"]["param"].is_null());
}

TEST(OpenAiApi, EmbeddingsBase64IsLittleEndianFloat32) {
  EmbeddingResult r{{{1.0f, -2.0f}}, 3};
  const json j = embeddings_response("m", r, true, 0);
  // 1.0f = 00 00 80 3F, -2.0f = 00 00 00 C0
  EXPECT_EQ(j["data"][0]["embedding"], "AACAPwAAAMA=");
  const json f = embeddings_response("m", {{{3.0f, 4.0f, 0.0f}}, 1}, false, 2);
  EXPECT_NEAR(f["data"][0]["embedding"][0].get<double>(), 0.6, 1e-6);  // shortened, then unit length
}

}  // namespace
}  // namespace robomlx::serve
