// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace robomlx::serve {

namespace {
constexpr float kGreedyBelow = 1e-5f;

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

int argmax_token(const float* logits, int vocab) {
  int best = 0;
  for (int i = 1; i < vocab; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

Sampler::Sampler(const SamplingParams& params, const std::vector<int>& prompt, std::uint64_t fallback_seed) : p_(params) {
  if (!(p_.temperature >= 0) || !std::isfinite(p_.temperature)) throw std::invalid_argument("sampling: temperature must be >= 0");
  if (p_.top_k < 0) throw std::invalid_argument("sampling: top_k must be >= 0");
  if (!(p_.top_p > 0 && p_.top_p <= 1)) throw std::invalid_argument("sampling: top_p must be in (0, 1]");
  if (!(p_.min_p >= 0 && p_.min_p <= 1)) throw std::invalid_argument("sampling: min_p must be in [0, 1]");
  if (!(p_.repetition_penalty > 0) || !std::isfinite(p_.repetition_penalty))
    throw std::invalid_argument("sampling: repetition_penalty must be > 0");
  if (!std::isfinite(p_.frequency_penalty) || !std::isfinite(p_.presence_penalty))
    throw std::invalid_argument("sampling: penalties must be finite");
  if (p_.top_logprobs < 0 || p_.top_logprobs > 20) throw std::invalid_argument("sampling: top_logprobs must be in [0, 20]");
  for (int t : prompt) seen_prompt_[t] = 1;
  std::uint64_t x = p_.seed.value_or(fallback_seed);
  for (auto& s : state_) s = splitmix64(x);
}

std::uint64_t Sampler::next_u64() {  // xoshiro256**
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Sampler::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

int Sampler::sample(const mx::array& logits) {
  if (logits.dtype() != mx::float32 || (logits.ndim() == 2 && logits.shape(0) != 1) || logits.ndim() > 2 || logits.ndim() == 0)
    throw std::invalid_argument("sampling: logits must be float32 [vocab] or [1, vocab]");
  mx::array a = logits;
  a.eval();
  return sample(a.data<float>(), static_cast<int>(a.size()));
}

int Sampler::sample(const float* logits, int vocab) {
  if (vocab <= 0) throw std::invalid_argument("sampling: empty logits");
  work_.assign(logits, logits + vocab);
  // 1. penalties
  if (p_.repetition_penalty != 1.0f) {
    auto penalise = [&](int t) {
      if (t < 0 || t >= vocab) return;
      float& v = work_[t];
      v = v > 0 ? v / p_.repetition_penalty : v * p_.repetition_penalty;
    };
    for (const auto& [t, _] : seen_prompt_) penalise(t);
    for (const auto& [t, _] : output_counts_)
      if (!seen_prompt_.count(t)) penalise(t);
  }
  if (p_.frequency_penalty != 0.0f || p_.presence_penalty != 0.0f)
    for (const auto& [t, n] : output_counts_)
      if (t >= 0 && t < vocab) work_[t] -= n * p_.frequency_penalty + p_.presence_penalty;

  int token = 0;
  if (p_.temperature < kGreedyBelow) {
    token = argmax_token(work_.data(), vocab);  // 2. greedy
  } else {
    // 3. probabilities at temperature (unnormalised: exp(x/T - max))
    const float inv_t = 1.0f / p_.temperature;
    const float top = *std::max_element(work_.begin(), work_.end());
    for (float& v : work_) v = std::exp((v - top) * inv_t);
    order_.resize(vocab);
    std::iota(order_.begin(), order_.end(), 0);
    auto more_likely = [&](int a, int b) { return work_[a] > work_[b] || (work_[a] == work_[b] && a < b); };
    int keep = vocab;
    if (p_.top_k > 0 && p_.top_k < vocab) {
      keep = p_.top_k;
      std::nth_element(order_.begin(), order_.begin() + keep, order_.end(), more_likely);
    }
    if (p_.top_p < 1.0f) {
      std::sort(order_.begin(), order_.begin() + keep, more_likely);
      double total = 0;
      for (int i = 0; i < keep; ++i) total += work_[order_[i]];
      double mass = 0;
      int n = 0;
      while (n < keep) {
        mass += work_[order_[n++]];
        if (mass >= p_.top_p * total) break;
      }
      keep = n;
    }
    if (p_.min_p > 0.0f) {
      float best = 0;
      for (int i = 0; i < keep; ++i) best = std::max(best, work_[order_[i]]);
      const float floor = p_.min_p * best;
      int n = 0;
      for (int i = 0; i < keep; ++i)
        if (work_[order_[i]] >= floor) order_[n++] = order_[i];
      keep = n;
    }
    // 4. the draw, over the kept tokens in the order they stand
    double total = 0;
    for (int i = 0; i < keep; ++i) total += work_[order_[i]];
    const double u = uniform() * total;
    double acc = 0;
    token = order_[keep - 1];
    for (int i = 0; i < keep; ++i) {
      acc += work_[order_[i]];
      if (u < acc) {
        token = order_[i];
        break;
      }
    }
  }

  if (p_.logprobs) {
    const float top = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (int i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - top);
    const float lse = top + static_cast<float>(std::log(sum));
    chosen_ = {token, logits[token] - lse};
    top_.clear();
    if (p_.top_logprobs > 0) {
      std::vector<int> idx(vocab);
      std::iota(idx.begin(), idx.end(), 0);
      const int n = std::min(p_.top_logprobs, vocab);
      std::partial_sort(idx.begin(), idx.begin() + n, idx.end(),
                        [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
      for (int i = 0; i < n; ++i) top_.push_back({idx[i], logits[idx[i]] - lse});
    }
  }
  ++output_counts_[token];
  ++generated_;
  return token;
}

}  // namespace robomlx::serve
