// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/basic_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace robomlx::serve {

namespace {

std::uint64_t seed_of(const SamplingParams& p) {
  if (p.seed) return *p.seed;
  std::random_device rd;
  return (std::uint64_t(rd()) << 32) ^ rd();
}

// log-softmax of `x` at every index (max-shifted, so large logits do not overflow).
std::vector<float> log_softmax(std::span<const float> x) {
  const float m = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (float v : x) sum += std::exp(double(v) - m);
  const float log_z = m + static_cast<float>(std::log(sum));
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] - log_z;
  return out;
}

}  // namespace

SamplerState::SamplerState(const SamplingParams& params, std::span<const int> prompt) : rng(seed_of(params)) {
  for (int t : prompt) ++prompt_counts[t];
}

void SamplerState::accept(int token) { ++output_counts[token]; }

TokenChoice sample(std::span<const float> logits, const SamplingParams& p, SamplerState& state) {
  const int vocab = static_cast<int>(logits.size());
  std::vector<float> z(logits.begin(), logits.end());
  // Penalties (sampling.h): repetition over prompt + output, frequency and presence over output.
  if (p.repetition_penalty != 1.0f) {
    auto penalise = [&](int t) {
      if (t >= 0 && t < vocab) z[t] = z[t] > 0 ? z[t] / p.repetition_penalty : z[t] * p.repetition_penalty;
    };
    for (const auto& [t, n] : state.prompt_counts) penalise(t);
    for (const auto& [t, n] : state.output_counts)
      if (!state.prompt_counts.count(t)) penalise(t);
  }
  if (p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f)
    for (const auto& [t, n] : state.output_counts)
      if (t >= 0 && t < vocab) z[t] -= n * p.frequency_penalty + p.presence_penalty;

  TokenChoice out;
  if (p.temperature <= 0.0f) {
    out.token = static_cast<int>(std::max_element(z.begin(), z.end()) - z.begin());
  } else {
    std::vector<int> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b] || (z[a] == z[b] && a < b); });
    int keep = vocab;
    if (p.top_k > 0) keep = std::min(keep, p.top_k);
    std::vector<double> prob(keep);
    const double top = z[order[0]] / p.temperature;
    double sum = 0;
    for (int i = 0; i < keep; ++i) sum += prob[i] = std::exp(z[order[i]] / p.temperature - top);
    if (p.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
      double acc = 0;
      for (int i = 0; i < keep; ++i)
        if ((acc += prob[i] / sum) >= p.top_p) {
          keep = i + 1;
          break;
        }
    }
    if (p.min_p > 0.0f)  // relative to the most likely token (prob[0] / sum after the shift)
      while (keep > 1 && prob[keep - 1] < p.min_p * prob[0]) --keep;
    std::discrete_distribution<int> pick(prob.begin(), prob.begin() + keep);
    out.token = order[pick(state.rng)];
  }
  if (p.logprobs) {
    const std::vector<float> lp = log_softmax(logits);
    out.logprob = lp[out.token];
    const int n = std::min(p.top_logprobs, vocab);
    if (n > 0) {
      std::vector<int> idx(vocab);
      std::iota(idx.begin(), idx.end(), 0);
      std::partial_sort(idx.begin(), idx.begin() + n, idx.end(), [&](int a, int b) { return lp[a] > lp[b]; });
      for (int i = 0; i < n; ++i) out.top.emplace_back(idx[i], lp[idx[i]]);
    }
  }
  state.accept(out.token);
  return out;
}

}  // namespace robomlx::serve
