// SPDX-License-Identifier: Apache-2.0
// OpenAI-compatible request bodies (serve/openai_api.h), what the network sends the server. The
// first byte picks the endpoint (chat completions, completions, embeddings); the rest is the body.
// Any body either parses or throws ApiError 400 (invalid_request_error); never another exception
// (which the server would answer 500), never UB.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "robomlx/serve/openai_api.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto json = robomlx::serve::parse_body(body);
    switch (data[0] % 3) {
      case 0: robomlx::serve::parse_chat_request(json); break;
      case 1: robomlx::serve::parse_completion_request(json); break;
      default: robomlx::serve::parse_embedding_request(json); break;
    }
  } catch (const robomlx::serve::ApiError& e) {
    if (e.status != 400 || e.type != "invalid_request_error") std::abort();
  }
  return 0;
}
