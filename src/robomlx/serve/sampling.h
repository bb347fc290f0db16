// SPDX-License-Identifier: Apache-2.0
// Sampling parameters of an OpenAI request, as the scheduler hands them to the sampler.
// Semantics (llama.cpp's and vLLM's): penalties first (repetition: divide positive logits /
// multiply negative ones by it, for tokens seen in prompt + output; frequency: minus count * f;
// presence: minus p once), then temperature (0 = greedy argmax, nothing else applies), top_k (0 =
// off), top_p (1 = off), min_p (0 = off, relative to the top probability), then a draw from a
// generator seeded per request (same seed, same prompt, same text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace robomlx::serve {

struct SamplingParams {
  float temperature = 1.0f;
  int top_k = 0;
  float top_p = 1.0f;
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  std::optional<std::uint64_t> seed;
  int max_tokens = 256;
  std::vector<std::string> stop;  // stop strings, matched across token boundaries
  bool logprobs = false;
  int top_logprobs = 0;
};

}  // namespace robomlx::serve
