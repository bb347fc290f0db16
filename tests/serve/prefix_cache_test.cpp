// SPDX-License-Identifier: Apache-2.0
// The prefix (prompt) cache: its LRU rules on stand-in entries (longest match, entries that extend
// others, eviction under the byte cap), SmolLM2 served from a cached prefix against the same prompt
// computed from scratch (logits within 2e-3, greedy tokens equal), and the scheduler's reuse counts
// in /metrics with the greedy text of a hit equal to that of the miss before it.
#include <algorithm>
#include <iostream>

#include <gtest/gtest.h>

#include "fake_models.h"
#include "logits_parity.h"
#include "robomlx/serve/prefix_cache.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/server_metrics.h"
#include "serve_models.h"

namespace robomlx::serve {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const KvPrefix> stand_in(std::vector<int> tokens, std::int64_t bytes_per_token = 10) {
  auto p = std::make_shared<KvPrefix>();
  p->bytes = bytes_per_token * static_cast<std::int64_t>(tokens.size());
  p->tokens = std::move(tokens);
  return p;
}

std::vector<int> iota(int from, int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = from + i;
  return v;
}

std::vector<int> concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int common_prefix(const std::vector<int>& a, const std::vector<int>& b) {
  int i = 0;
  while (i < static_cast<int>(std::min(a.size(), b.size())) && a[i] == b[i]) ++i;
  return i;
}

TEST(PrefixCache, LongestMatchWithinLimitAndModel) {
  PrefixCache c(1 << 20);
  c.insert("m", stand_in(iota(0, 30)));
  c.insert("m", stand_in(concat(iota(0, 10), iota(100, 30))));
  c.insert("other", stand_in(iota(0, 40)));
  const auto prompt = concat(iota(0, 20), {7, 7});
  auto hit = c.lookup("m", prompt, 1000, 1);
  ASSERT_TRUE(hit.prefix);
  EXPECT_EQ(hit.tokens, 20);
  EXPECT_EQ(hit.prefix->tokens.size(), 30u);
  EXPECT_EQ(c.lookup("m", prompt, 15, 1).tokens, 15);       // the limit caps the count
  EXPECT_FALSE(c.lookup("m", prompt, 1000, 21).prefix);      // shorter than min_tokens: a miss
  EXPECT_FALSE(c.lookup("m", iota(5, 10), 1000, 1).prefix);  // no shared first token
  EXPECT_FALSE(c.lookup("absent", prompt, 1000, 1).prefix);
  EXPECT_EQ(c.lookup("other", iota(0, 50), 1000, 1).tokens, 40);
}

TEST(PrefixCache, ExtensionsReplaceAndCoveredEntriesAreNotAdded) {
  PrefixCache c(1 << 20);
  c.insert("m", stand_in(iota(0, 20)));
  c.insert("m", stand_in(iota(0, 30)));  // extends the first: replaces it
  EXPECT_EQ(c.entries(), 1);
  EXPECT_EQ(c.bytes(), 300);
  c.insert("m", stand_in(iota(0, 25)));  // covered by the second: not added
  EXPECT_EQ(c.entries(), 1);
  EXPECT_EQ(c.bytes(), 300);
  c.insert("n", stand_in(iota(0, 10)));  // another model's tokens never cover or extend
  EXPECT_EQ(c.entries(), 2);
  EXPECT_EQ(c.evictions(), 0);
}

TEST(PrefixCache, EvictsLeastRecentlyUsedUnderTheCap) {
  PrefixCache c(350);  // three 100-byte entries fit, four do not
  c.insert("m", stand_in(iota(0, 10)));
  c.insert("m", stand_in(iota(100, 10)));
  c.insert("m", stand_in(iota(200, 10)));
  EXPECT_EQ(c.bytes(), 300);
  ASSERT_TRUE(c.lookup("m", iota(0, 10), 9, 1).prefix);  // the oldest becomes the most recent
  c.insert("m", stand_in(iota(300, 10)));                // evicts 100.. (least recently used)
  EXPECT_EQ(c.entries(), 3);
  EXPECT_EQ(c.bytes(), 300);
  EXPECT_EQ(c.evictions(), 1);
  EXPECT_FALSE(c.lookup("m", iota(100, 10), 9, 1).prefix);
  for (int from : {0, 200, 300}) EXPECT_TRUE(c.lookup("m", iota(from, 10), 9, 1).prefix) << from;
  c.insert("m", stand_in(iota(400, 30)));  // 300 bytes: only it fits, the other three go
  EXPECT_EQ(c.bytes(), 300);
  EXPECT_EQ(c.entries(), 1);
  EXPECT_EQ(c.evictions(), 4);
  c.insert("m", stand_in(iota(500, 40)));  // larger than the cap: never added, nothing evicted
  EXPECT_EQ(c.entries(), 1);
  PrefixCache off(0);
  off.insert("m", stand_in(iota(0, 10)));
  EXPECT_EQ(off.entries(), 0);
}

struct Served {
  std::vector<float> first;  // logits of the last prompt token
  std::vector<int> greedy;   // the first token and `steps` more, greedy
};

Served serve_greedy(TextModel& m, SequenceId id, int steps) {
  std::optional<mx::array> logits;
  while (!(logits = m.prefill(id, 256))) {
  }
  Served out{robomlx::test::logits_row(*logits, 0), {}};
  out.greedy.push_back(robomlx::test::argmax_of(out.first));
  for (int i = 0; i < steps; ++i) out.greedy.push_back(robomlx::test::argmax_of(robomlx::test::logits_row(m.decode({id}, {out.greedy.back()}), 0)));
  return out;
}

// SmolLM2, float32 on the CPU. The tolerance is the chunked-prefill test's (llama_model_test.cpp):
// a hit computes the prompt's tail as a chunk of its own, so sums group differently; measured here
// 4e-5 of logits ~20. Greedy tokens must be equal.
TEST(PrefixCache, SmolLM2FromACachedPrefixEqualsFromScratch) {
  auto& m = robomlx::test::smollm2();
  const auto& tok = m.tokenizer();
  const std::string shared = "You are a careful assistant. Answer in one short sentence, and name the colour first. Question:";
  const auto a = tok.encode(shared + " what colour is the sky?", true);
  const auto b = tok.encode(shared + " what colour is grass?", true);
  const int lcp = common_prefix(a, b);
  ASSERT_GE(lcp, 20);
  ASSERT_LT(lcp, static_cast<int>(b.size()));

  const SequenceId plain = m.start(b);
  const Served want = serve_greedy(m, plain, 4);
  m.release(plain);

  const SequenceId sa = m.start(a);
  while (!m.prefill(sa, 256)) {
  }
  const auto pa = m.save_prefix(sa);  // from the sequence's own cache
  ASSERT_TRUE(pa);
  EXPECT_EQ(pa->tokens, a);
  EXPECT_EQ(pa->bytes, m.info().kv_bytes_per_token * static_cast<std::int64_t>(a.size()));
  const SequenceId hit = m.start_from(b, *pa, lcp);
  EXPECT_EQ(m.length(hit), static_cast<int>(b.size()));
  const Served got = serve_greedy(m, hit, 4);
  const float diff = robomlx::test::max_abs_diff(got.first, want.first);
  std::cout << "[prefix cache] reused " << lcp << " of " << b.size() << " tokens; max |logit diff| " << diff << "\n";
  EXPECT_LT(diff, 2e-3f);
  EXPECT_EQ(got.greedy, want.greedy);
  m.release(hit);

  // From a sequence that has joined the batched decode cache: its keys sit in a row of the shared,
  // left-padded batch, and the copy takes them from there (prompt + the token it decoded).
  const int next = 1000;
  const auto logits_a = m.decode({sa}, {next});
  const auto pa2 = m.save_prefix(sa);
  ASSERT_TRUE(pa2);
  EXPECT_EQ(pa2->tokens, concat(a, {next}));
  const auto c = concat(pa2->tokens, tok.encode(" Blue.", false));
  const SequenceId sc = m.start_from(c, *pa2, static_cast<int>(pa2->tokens.size()));
  std::optional<mx::array> out;
  while (!(out = m.prefill(sc, 256))) {
  }
  const auto ref = robomlx::test::logits_row(m.forward_all(c), static_cast<int>(c.size()) - 1);
  EXPECT_LT(robomlx::test::max_abs_diff(robomlx::test::logits_row(*out, 0), ref), 2e-3f);
  EXPECT_EQ(robomlx::test::argmax_of(robomlx::test::logits_row(*out, 0)), robomlx::test::argmax_of(ref));
  m.release(sc);
  m.release(sa);
  EXPECT_THROW(m.start_from(concat({1}, b), *pa, lcp), std::logic_error);  // a prompt the prefix does not start
}

// The scheduler on SmolLM2: B misses (and is saved), A then reuses the prefix it shares with B, and B
// again reuses all but its last token; /metrics counts exactly that, usage still reports the whole
// prompt, and B's greedy text is the same with and without the hit.
TEST(PrefixCache, SchedulerCountsReusedTokensAndKeepsGreedyText) {
  SchedulerOptions o;
  o.max_batch = 2;
  o.warmup = false;
  o.prefix_cache_bytes = 64LL << 20;
  ServerMetrics metrics;
  Scheduler sched(o, {{"smollm2-135m-instruct", ""}}, &metrics);
  sched.start();
  ASSERT_TRUE(serve::test::eventually([&] { return sched.ready() || !sched.load_error().empty(); }, 30000ms));
  ASSERT_EQ(sched.load_error(), "");
  const std::string shared = "The following is a list of facts about the solar system, written for children. Fact one:";
  const std::string pa = shared + " the Sun is a star.", pb = shared + " Mars is red.";
  const auto& tok = robomlx::test::smollm2().tokenizer();  // the same GGUF's tokenizer
  const auto ta = tok.encode(pa, true), tb = tok.encode(pb, true);
  const int lcp = common_prefix(ta, tb);
  ASSERT_GE(lcp, kPrefixMinTokens);
  auto run = [&](const std::string& prompt) {
    Task t = serve::test::completion_task("smollm2-135m-instruct", prompt, 3);
    auto ch = t.channel;
    EXPECT_EQ(sched.submit(std::move(t)), Scheduler::Submit::accepted);
    return serve::test::collect(ch);
  };
  auto value = [&](const std::string& name) { return metrics.value("robomlx_prefix_cache_" + name); };
  const auto b0 = run(pb);
  ASSERT_TRUE(b0.finish);
  EXPECT_EQ(value("lookups_total"), 1);
  EXPECT_EQ(value("hits_total"), 0);
  EXPECT_EQ(value("entries"), 1);  // B's prompt, saved once it prefilled
  EXPECT_EQ(value("bytes"), static_cast<double>(robomlx::test::smollm2().info().kv_bytes_per_token * static_cast<long>(tb.size())));
  const auto a = run(pa);
  ASSERT_TRUE(a.finish);
  EXPECT_EQ(value("hits_total"), 1);
  EXPECT_EQ(value("reused_tokens_total"), lcp);
  const auto b1 = run(pb);
  ASSERT_TRUE(b1.finish);
  EXPECT_EQ(value("lookups_total"), 3);
  EXPECT_EQ(value("hits_total"), 2);
  EXPECT_EQ(value("reused_tokens_total"), lcp + static_cast<int>(tb.size()) - 1);
  EXPECT_EQ(b1.text, b0.text);
  EXPECT_EQ(b1.finish->prompt_tokens, static_cast<int>(tb.size()));  // usage: the whole prompt, hit or not
  EXPECT_EQ(b1.finish->completion_tokens, b0.finish->completion_tokens);
  sched.stop();
}

}  // namespace
}  // namespace robomlx::serve
