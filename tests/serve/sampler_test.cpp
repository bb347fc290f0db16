// SPDX-License-Identifier: Apache-2.0
// The sampler against plain-loop references: each filter's kept set and renormalised probabilities
// (checked by drawing many times with a fixed seed and comparing frequencies), penalties on the
// logits, greedy, seeds, logprobs, parameter errors.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "robomlx/serve/sampler.h"

namespace robomlx::serve {
namespace {

// The distribution sampling.h defines, written as plainly as possible (doubles, full sorts).
std::vector<double> reference_probs(std::vector<float> logits, const SamplingParams& p, const std::vector<int>& prompt,
                                    const std::vector<int>& output) {
  const int v = static_cast<int>(logits.size());
  std::map<int, int> counts;
  for (int t : output) ++counts[t];
  for (int t = 0; t < v; ++t) {
    const bool seen = std::count(prompt.begin(), prompt.end(), t) || counts.count(t);
    if (seen) logits[t] = logits[t] > 0 ? logits[t] / p.repetition_penalty : logits[t] * p.repetition_penalty;
    if (counts.count(t)) logits[t] -= counts[t] * p.frequency_penalty + p.presence_penalty;
  }
  std::vector<double> prob(v);
  const double top = *std::max_element(logits.begin(), logits.end());
  for (int t = 0; t < v; ++t) prob[t] = std::exp((logits[t] - top) / p.temperature);
  std::vector<int> order(v);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prob[a] > prob[b]; });
  std::vector<bool> keep(v, true);
  if (p.top_k > 0)
    for (int i = p.top_k; i < v; ++i) keep[order[i]] = false;
  if (p.top_p < 1) {
    double total = 0, mass = 0;
    for (int t = 0; t < v; ++t) total += keep[t] ? prob[t] : 0;
    bool reached = false;
    for (int i = 0; i < v; ++i) {
      if (!keep[order[i]]) continue;
      if (reached) keep[order[i]] = false;
      mass += prob[order[i]];
      if (mass >= p.top_p * total) reached = true;
    }
  }
  double best = 0;
  for (int t = 0; t < v; ++t) best = std::max(best, keep[t] ? prob[t] : 0.0);
  for (int t = 0; t < v; ++t)
    if (prob[t] < p.min_p * best) keep[t] = false;
  double total = 0;
  for (int t = 0; t < v; ++t) total += keep[t] ? prob[t] : 0;
  for (int t = 0; t < v; ++t) prob[t] = keep[t] ? prob[t] / total : 0;
  return prob;
}

std::vector<float> test_logits() {
  // 12 tokens: distinct values, a tie (3 and 4), negatives.
  return {2.0f, 1.5f, -0.5f, 0.8f, 0.8f, -2.0f, 3.0f, 0.1f, -1.0f, 1.2f, 0.0f, 2.5f};
}

// Draws `draws` times, each with a fresh sampler (seed i) that has already produced `output`, and
// compares the frequencies with reference_probs within 4 standard errors.
void expect_frequencies(SamplingParams p, const std::vector<int>& prompt, const std::vector<int>& output) {
  const auto logits = test_logits();
  const int v = static_cast<int>(logits.size());
  const auto want = reference_probs(logits, p, prompt, output);
  const int draws = 20000;
  std::vector<int> hits(v, 0);
  for (int i = 0; i < draws; ++i) {
    p.seed = 1000 + i;
    Sampler s(p, prompt);
    for (int t : output) {  // history: logits that allow only t
      std::vector<float> only(v, -1e30f);
      only[t] = 0;
      ASSERT_EQ(s.sample(only.data(), v), t);
    }
    ++hits[s.sample(logits.data(), v)];
  }
  for (int t = 0; t < v; ++t) {
    if (want[t] == 0) {
      EXPECT_EQ(hits[t], 0) << "token " << t << " should be filtered out";
    } else {
      const double f = double(hits[t]) / draws;
      EXPECT_NEAR(f, want[t], 4 * std::sqrt(want[t] * (1 - want[t]) / draws) + 1e-9) << "token " << t;
    }
  }
}

SamplingParams params(float temperature, int top_k = 0, float top_p = 1, float min_p = 0) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  return p;
}

TEST(Sampler, PlainTemperature) { expect_frequencies(params(0.7f), {}, {}); }
TEST(Sampler, HighTemperature) { expect_frequencies(params(2.0f), {}, {}); }
TEST(Sampler, TopK) { expect_frequencies(params(1.0f, 4), {}, {}); }
TEST(Sampler, TopP) { expect_frequencies(params(1.0f, 0, 0.8f), {}, {}); }
TEST(Sampler, MinP) { expect_frequencies(params(1.3f, 0, 1, 0.2f), {}, {}); }
TEST(Sampler, AllFiltersTogether) { expect_frequencies(params(0.9f, 6, 0.9f, 0.05f), {}, {}); }

TEST(Sampler, Penalties) {
  SamplingParams p = params(1.0f);
  p.repetition_penalty = 1.3f;
  p.frequency_penalty = 0.4f;
  p.presence_penalty = 0.6f;
  expect_frequencies(p, {0, 2, 2}, {6, 6, 11, 5});
}

TEST(Sampler, GreedyIsArgmaxAfterPenalties) {
  const auto logits = test_logits();
  SamplingParams p = params(0.0f, 1, 0.1f, 0.9f);  // filters do not matter at temperature 0
  Sampler s(p, {});
  EXPECT_EQ(s.sample(logits.data(), 12), 6);
  EXPECT_EQ(s.sample(logits.data(), 12), 6);
  p.presence_penalty = 0.6f;  // 3.0 - 0.6 = 2.4 < 2.5: token 11 wins once 6 was output
  Sampler q(p, {});
  EXPECT_EQ(q.sample(logits.data(), 12), 6);
  EXPECT_EQ(q.sample(logits.data(), 12), 11);
  // A tie goes to the lower id.
  std::vector<float> tie{0.0f, 1.0f, 1.0f};
  Sampler t(params(0.0f), {});
  EXPECT_EQ(t.sample(tie.data(), 3), 1);
}

TEST(Sampler, SameSeedSameTokens) {
  const auto logits = test_logits();
  SamplingParams p = params(1.0f);
  p.seed = 42;
  Sampler a(p, {}), b(p, {});
  std::vector<int> ta, tb;
  for (int i = 0; i < 50; ++i) {
    ta.push_back(a.sample(logits.data(), 12));
    tb.push_back(b.sample(logits.data(), 12));
  }
  EXPECT_EQ(ta, tb);
  p.seed = 43;
  Sampler c(p, {});
  std::vector<int> tc;
  for (int i = 0; i < 50; ++i) tc.push_back(c.sample(logits.data(), 12));
  EXPECT_NE(ta, tc);
}

TEST(Sampler, LogprobsAreOfTheRawDistribution) {
  const auto logits = test_logits();
  SamplingParams p = params(0.0f);
  p.logprobs = true;
  p.top_logprobs = 3;
  Sampler s(p, {});
  const int t = s.sample(logits.data(), 12);
  double lse = 0;
  for (float l : logits) lse += std::exp(double(l));
  lse = std::log(lse);
  EXPECT_EQ(s.chosen_logprob().token, t);
  EXPECT_NEAR(s.chosen_logprob().logprob, logits[t] - lse, 1e-5);
  ASSERT_EQ(s.top_logprobs().size(), 3u);
  EXPECT_EQ(s.top_logprobs()[0].token, 6);
  EXPECT_EQ(s.top_logprobs()[1].token, 11);
  EXPECT_EQ(s.top_logprobs()[2].token, 0);
  EXPECT_NEAR(s.top_logprobs()[1].logprob, 2.5 - lse, 1e-5);
}

TEST(Sampler, RejectsBadParameters) {
  auto bad = [](auto edit) {
    SamplingParams p;
    edit(p);
    EXPECT_THROW(Sampler(p, {}), std::invalid_argument);
  };
  bad([](SamplingParams& p) { p.temperature = -1; });
  bad([](SamplingParams& p) { p.top_k = -1; });
  bad([](SamplingParams& p) { p.top_p = 0; });
  bad([](SamplingParams& p) { p.top_p = 1.5f; });
  bad([](SamplingParams& p) { p.min_p = -0.1f; });
  bad([](SamplingParams& p) { p.repetition_penalty = 0; });
  bad([](SamplingParams& p) { p.top_logprobs = 21; });
  bad([](SamplingParams& p) { p.frequency_penalty = NAN; });
}

}  // namespace
}  // namespace robomlx::serve
