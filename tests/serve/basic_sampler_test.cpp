// SPDX-License-Identifier: Apache-2.0
// The basic sampler against plain-loop references: greedy is argmax, penalties move the logits
// as sampling.h says, one seed gives one sequence, and draws follow softmax(logits / T)
// (frequencies within 4 standard errors over 20,000 draws).
#include <gtest/gtest.h>

#include <cmath>

#include "robomlx/serve/basic_sampler.h"

namespace robomlx::serve {
namespace {

TEST(Sampler, GreedyIsArgmaxAndLogprobsAreLogSoftmax) {
  const std::vector<float> logits = {0.5f, 3.0f, -1.0f, 2.0f};
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = true;
  p.top_logprobs = 2;
  SamplerState st(p, {});
  const TokenChoice c = sample(logits, p, st);
  EXPECT_EQ(c.token, 1);
  double z = 0;
  for (float v : logits) z += std::exp(v);
  EXPECT_NEAR(c.logprob, 3.0 - std::log(z), 1e-5);
  ASSERT_EQ(c.top.size(), 2u);
  EXPECT_EQ(c.top[0].first, 1);
  EXPECT_EQ(c.top[1].first, 3);
  EXPECT_NEAR(c.top[1].second, 2.0 - std::log(z), 1e-5);
}

TEST(Sampler, PenaltiesFollowTheDocumentedOrder) {
  // Token 0 leads by a little; a repetition penalty on tokens seen in the prompt flips it.
  const std::vector<float> logits = {2.0f, 1.9f, -5.0f};
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 1.2f;  // 2.0 / 1.2 = 1.67 < 1.9
  SamplerState st(p, std::vector<int>{0});
  EXPECT_EQ(sample(logits, p, st).token, 1);
  // Frequency: minus count * f for each generated occurrence.
  SamplingParams q;
  q.temperature = 0;
  q.frequency_penalty = 0.2f;
  SamplerState sq(q, {});
  EXPECT_EQ(sample(logits, q, sq).token, 0);  // 2.0 vs 1.9
  EXPECT_EQ(sample(logits, q, sq).token, 1);  // 2.0 - 0.2 = 1.8 < 1.9
}

TEST(Sampler, OneSeedOneSequence) {
  const std::vector<float> logits = {1.0f, 1.1f, 0.9f, 1.05f, 0.2f};
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 1234;
  auto draw = [&] {
    SamplerState st(p, {});
    std::vector<int> out;
    for (int i = 0; i < 50; ++i) out.push_back(sample(logits, p, st).token);
    return out;
  };
  EXPECT_EQ(draw(), draw());
  p.seed = 99;
  auto other = draw();
  p.seed = 1234;
  EXPECT_NE(draw(), other);
}

TEST(Sampler, DrawsFollowTheTemperedSoftmaxAndTopK) {
  const std::vector<float> logits = {1.0f, 0.0f, 2.0f, -1.0f};
  SamplingParams p;
  p.temperature = 0.7f;
  p.top_k = 3;  // drops token 3
  p.seed = 5;
  SamplerState st(p, {});
  std::vector<int> counts(4, 0);
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[sample(logits, p, st).token];
  std::vector<double> ref(4, 0.0);
  double z = 0;
  for (int t : {0, 1, 2}) z += ref[t] = std::exp(logits[t] / 0.7);
  for (int t = 0; t < 4; ++t) {
    const double q = ref[t] / z;
    const double se = std::sqrt(q * (1 - q) / n) + 1e-12;
    EXPECT_NEAR(double(counts[t]) / n, q, 4 * se + 1e-9) << "token " << t;
  }
  EXPECT_EQ(counts[3], 0);
}

TEST(Sampler, TopPAndMinPKeepTheHead) {
  const std::vector<float> logits = {5.0f, 4.9f, 0.0f, -2.0f};
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_p = 0.9f;  // the first two hold > 0.99 of the mass
  p.seed = 3;
  SamplerState st(p, {});
  for (int i = 0; i < 2000; ++i) EXPECT_LT(sample(logits, p, st).token, 2);
  SamplingParams q;
  q.temperature = 1.0f;
  q.min_p = 0.5f;  // only tokens with p >= 0.5 * p_max: 0 and 1
  q.seed = 4;
  SamplerState sq(q, {});
  for (int i = 0; i < 2000; ++i) EXPECT_LT(sample(logits, q, sq).token, 2);
}

}  // namespace
}  // namespace robomlx::serve
