// SPDX-License-Identifier: Apache-2.0
// The scheduler's token sampler: the one place a row of logits becomes a token.
//
// sample(logits, params, state) is the seam the full sampler plugs into: the scheduler calls
// it once per sequence per step (scheduler_text.cpp, `next_token`) on the inference thread with a
// host copy of that sequence's logits. This basic version follows sampling.h's order in plain
// host loops: penalties (repetition over prompt + output, frequency, presence), then temperature
// (0 = greedy argmax), top_k, top_p, min_p, then a draw from a per-request mt19937_64 (seeded
// from params.seed, else from a random device), so one seed and one prompt give one text.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "robomlx/serve/sampling.h"

namespace robomlx::serve {

/// Per-sequence sampler state: the generator and the token counts the penalties need.
struct SamplerState {
  SamplerState(const SamplingParams& params, std::span<const int> prompt);
  /// Records a generated token (for the penalties).
  void accept(int token);

  std::mt19937_64 rng;
  std::unordered_map<int, int> prompt_counts;
  std::unordered_map<int, int> output_counts;
};

struct TokenChoice {
  int token = 0;
  float logprob = 0;                          // log-softmax of the raw logits at `token`
  std::vector<std::pair<int, float>> top;     // params.top_logprobs most likely, by raw logits
};

/// Picks the next token from one row of raw logits and calls state.accept() on it.
TokenChoice sample(std::span<const float> logits, const SamplingParams& params, SamplerState& state);

}  // namespace robomlx::serve
