// SPDX-License-Identifier: Apache-2.0
// The next-token sampler of one request, with the semantics sampling.h states, on the host:
//   1. penalties: repetition r divides positive / multiplies negative logits of every token seen in
//      the prompt or the output; frequency f subtracts count * f and presence p subtracts p once,
//      for tokens of the output (OpenAI's definition: generated tokens only);
//   2. temperature 0 (or below 1e-5): the argmax of the penalised logits (lowest id on ties), and
//      nothing else applies;
//   3. softmax(logits / temperature), then top_k (0 = off) keeps the k most likely, top_p (1 = off)
//      keeps the smallest most-likely prefix whose mass reaches top_p, min_p (0 = off) drops tokens
//      below min_p times the most likely one (at least one token always stays);
//   4. a draw from what is left, renormalised, with the request's own generator: SplitMix64-seeded
//      xoshiro256** and 53-bit uniforms, so the same seed gives the same tokens on every platform.
// Log-probabilities (logprobs) are of the model's own distribution: log_softmax of the raw logits.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <mlx/array.h>

#include "robomlx/serve/sampling.h"

namespace robomlx::serve {

namespace mx = mlx::core;

struct SampledLogprob {
  int token = 0;
  float logprob = 0;
};

class Sampler {
 public:
  /// Throws std::invalid_argument for parameters out of range (temperature < 0, top_k < 0,
  /// top_p not in (0, 1], min_p not in [0, 1], repetition_penalty <= 0, top_logprobs not in
  /// [0, 20]). Without params.seed the generator starts from `fallback_seed`.
  Sampler(const SamplingParams& params, const std::vector<int>& prompt, std::uint64_t fallback_seed = 0);

  /// The next token from one row of logits; it counts as output from then on.
  int sample(const float* logits, int vocab);
  /// Same from a float32 array of shape [vocab] or [1, vocab] (evaluated).
  int sample(const mx::array& logits);
  /// With params.logprobs: the chosen token's and the top_logprobs most likely tokens' log-probs
  /// of the last sample() (empty otherwise).
  const SampledLogprob& chosen_logprob() const { return chosen_; }
  const std::vector<SampledLogprob>& top_logprobs() const { return top_; }
  int generated() const { return generated_; }

 private:
  std::uint64_t next_u64();
  double uniform();

  SamplingParams p_;
  std::unordered_map<int, int> seen_prompt_;  // token -> 1
  std::unordered_map<int, int> output_counts_;
  std::uint64_t state_[4] = {};
  std::vector<float> work_;
  std::vector<int> order_;
  SampledLogprob chosen_;
  std::vector<SampledLogprob> top_;
  int generated_ = 0;
};

/// The greedy choice of a logits row: the largest logit, the lowest id among equals.
int argmax_token(const float* logits, int vocab);

}  // namespace robomlx::serve
