// SPDX-License-Identifier: Apache-2.0
// The scheduler against the echo model, whose output is known (its prompt back): every
// sequence of a batch gets exactly its own text, the model is only ever called from one
// thread, prefill runs in chunks between decode steps, the queue refuses past its bound, and
// cancelled / timed-out sequences release their KV cache.
#include <gtest/gtest.h>

#include "fake_models.h"
#include "robomlx/serve/kserve_pipelines.h"
#include "robomlx/serve/scheduler.h"
#include "robomlx/serve/server_metrics.h"

namespace robomlx::serve {
namespace {

using namespace std::chrono_literals;
using test::collect;
using test::completion_task;
using test::eventually;
using test::probe;

std::unique_ptr<Scheduler> started(SchedulerOptions o, std::vector<ModelSource> models, ServerMetrics* m = nullptr) {
  auto s = std::make_unique<Scheduler>(o, std::move(models), m);
  s->start();
  EXPECT_TRUE(eventually([&] { return s->ready() || !s->load_error().empty(); }, 30000ms)) << "never ready";
  EXPECT_EQ(s->load_error(), "");
  return s;
}

TEST(Scheduler, BatchedSequencesEachGetTheirOwnText) {
  probe().reset();
  SchedulerOptions o;
  o.max_batch = 4;
  o.warmup = false;
  ServerMetrics metrics;
  auto s = started(o, {{"probe-echo", ""}}, &metrics);
  std::vector<std::string> prompts;
  std::vector<std::shared_ptr<ResultChannel>> channels;
  for (int i = 0; i < 12; ++i) {
    prompts.push_back("request " + std::to_string(i) + ": " + std::string(static_cast<std::size_t>(3 + 7 * i), 'a' + i));
    Task t = completion_task("probe-echo", prompts.back());
    channels.push_back(t.channel);
    ASSERT_EQ(s->submit(std::move(t)), Scheduler::Submit::accepted);
  }
  for (int i = 0; i < 12; ++i) {
    auto out = collect(channels[i]);
    ASSERT_TRUE(out.finish) << "request " << i << (out.failure ? ": " + out.failure->message : "");
    EXPECT_EQ(out.text, prompts[i]);
    EXPECT_EQ(out.finish->reason, "stop");
    EXPECT_EQ(out.finish->prompt_tokens, static_cast<int>(prompts[i].size()) + 1);      // BOS + bytes
    EXPECT_EQ(out.finish->completion_tokens, static_cast<int>(prompts[i].size()) + 1);  // bytes + EOS
  }
  std::lock_guard<std::mutex> lock(probe().mutex);
  EXPECT_EQ(probe().threads.size(), 1u) << "every model call must come from the one inference thread";
  EXPECT_EQ(probe().threads.count(std::this_thread::get_id()), 0u);
  const int widest = *std::max_element(probe().batch_sizes.begin(), probe().batch_sizes.end());
  EXPECT_LE(widest, 4);
  EXPECT_GE(widest, 2) << "decode steps were never batched";
  EXPECT_EQ(probe().released.size(), 12u);
  EXPECT_EQ(metrics.value("robomlx_request_success_total{finished_reason=\"stop\"}"), 12);
}

TEST(Scheduler, LongPromptsPrefillInChunksBetweenDecodeSteps) {
  probe().reset();
  SchedulerOptions o;
  o.max_batch = 4;
  o.prefill_chunk = 8;
  o.warmup = false;
  auto s = started(o, {{"probe-echo", ""}});
  Task a = completion_task("probe-echo", std::string(200, 'a'));  // outlasts B's 50 chunks even when this thread is slow to submit B
  auto ca = a.channel;
  ASSERT_EQ(s->submit(std::move(a)), Scheduler::Submit::accepted);
  ASSERT_TRUE(ca->pop(10s)) << "A never started";  // A is decoding
  Task b = completion_task("probe-echo", std::string(399, 'b'));  // 400 tokens with BOS: 50 chunks
  auto cb = b.channel;
  ASSERT_EQ(s->submit(std::move(b)), Scheduler::Submit::accepted);
  auto out_a = collect(ca);
  ASSERT_TRUE(out_a.finish);
  auto out_b = collect(cb);
  ASSERT_TRUE(out_b.finish);
  EXPECT_EQ(out_b.text, std::string(399, 'b'));
  std::lock_guard<std::mutex> lock(probe().mutex);
  int b_chunks = 0;
  for (int c : probe().prefill_chunks) {
    EXPECT_LE(c, 8);
    b_chunks += c == 8;
  }
  EXPECT_GE(b_chunks, 49);
  // Each loop iteration runs one chunk of B, then one decode step of A: the calls alternate.
  int interleaved = 0;
  for (std::size_t i = 0; i + 2 < probe().calls.size(); ++i) interleaved += probe().calls.compare(i, 3, "pdp") == 0;
  EXPECT_GE(interleaved, 30) << probe().calls;
}

TEST(Scheduler, FullQueueRefusesAndCancelFreesTheSlot) {
  probe().reset(8192, 5ms);
  SchedulerOptions o;
  o.max_batch = 1;
  o.max_queue = 1;
  o.warmup = false;
  ServerMetrics metrics;
  auto s = started(o, {{"probe-echo", ""}}, &metrics);
  Task a = completion_task("probe-echo", std::string(2000, 'a'));  // ~10 s at 5 ms per token
  auto ca = a.channel;
  ASSERT_EQ(s->submit(std::move(a)), Scheduler::Submit::accepted);
  ASSERT_TRUE(ca->pop(10s)) << "A never started";
  Task b = completion_task("probe-echo", "queued");
  auto cb = b.channel;
  ASSERT_EQ(s->submit(std::move(b)), Scheduler::Submit::accepted);
  EXPECT_EQ(s->waiting(), 1);
  EXPECT_EQ(s->submit(completion_task("probe-echo", "refused")), Scheduler::Submit::queue_full);
  const auto t0 = Clock::now();
  s->cancel(ca);  // a client that went away
  auto out_b = collect(cb);
  ASSERT_TRUE(out_b.finish);
  EXPECT_EQ(out_b.text, "queued");
  EXPECT_LT(Clock::now() - t0, 3s) << "B waited for A: cancelling did not free the slot";
  EXPECT_TRUE(eventually([&] { return s->running() == 0; }));
  std::lock_guard<std::mutex> lock(probe().mutex);
  EXPECT_EQ(probe().released.size(), 2u);
  EXPECT_EQ(metrics.value("robomlx_request_failure_total{reason=\"cancelled\"}"), 1);
}

TEST(Scheduler, TimeoutEndsTheSequenceWith504) {
  probe().reset(8192, 5ms);
  SchedulerOptions o;
  o.timeout = 300ms;
  o.warmup = false;
  auto s = started(o, {{"probe-echo", ""}});
  Task a = completion_task("probe-echo", std::string(1000, 'x'));
  auto ca = a.channel;
  ASSERT_EQ(s->submit(std::move(a)), Scheduler::Submit::accepted);
  auto out = collect(ca);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->status, 504);
  EXPECT_LT(out.text.size(), 1000u);
  EXPECT_TRUE(eventually([&] { return s->running() == 0; }));
  std::lock_guard<std::mutex> lock(probe().mutex);
  EXPECT_EQ(probe().released.size(), 1u);
}

TEST(Scheduler, MaxTokensStopStringsAndContext) {
  probe().reset(64);
  SchedulerOptions o;
  o.warmup = false;
  auto s = started(o, {{"probe-echo", ""}});
  auto run = [&](Task t) {
    auto ch = t.channel;
    EXPECT_EQ(s->submit(std::move(t)), Scheduler::Submit::accepted);
    return collect(ch);
  };
  auto a = run(completion_task("probe-echo", "Hello world", 5));
  ASSERT_TRUE(a.finish);
  EXPECT_EQ(a.text, "Hello");
  EXPECT_EQ(a.finish->reason, "length");
  auto b = run(completion_task("probe-echo", "Hello world", 100, {"wor"}));
  ASSERT_TRUE(b.finish);
  EXPECT_EQ(b.text, "Hello ");
  EXPECT_EQ(b.finish->reason, "stop");
  auto c = run(completion_task("probe-echo", std::string(100, 'p')));  // 101 tokens > context 64
  ASSERT_TRUE(c.failure);
  EXPECT_EQ(c.failure->status, 400);
  auto d = run(completion_task("probe-echo", std::string(40, 'q')));  // 41 + 40 > 64: stops at the context
  ASSERT_TRUE(d.finish);
  EXPECT_EQ(d.finish->reason, "length");
  EXPECT_EQ(d.text, std::string(64 - 41 + 1, 'q'));  // the last token is sampled, never run
  auto e = run(completion_task("nope", "x"));
  ASSERT_TRUE(e.failure);
  EXPECT_EQ(e.failure->status, 404);
}

TEST(Scheduler, MultiByteCharactersArriveWhole) {
  probe().reset();
  SchedulerOptions o;
  o.warmup = false;
  auto s = started(o, {{"probe-echo", ""}});
  const std::string text = "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80!";  // é ✓ 😀: 2, 3 and 4 bytes
  Task t = completion_task("probe-echo", text);
  auto ch = t.channel;
  ASSERT_EQ(s->submit(std::move(t)), Scheduler::Submit::accepted);
  auto out = collect(ch);
  ASSERT_TRUE(out.finish);
  EXPECT_EQ(out.text, text);
  std::vector<std::string> pieces;
  for (const auto& d : out.deltas) pieces.push_back(d.text);
  EXPECT_NE(std::find(pieces.begin(), pieces.end(), "\xF0\x9F\x98\x80"), pieces.end()) << "the 4-byte character was split";
}

TEST(Scheduler, EmbeddingAndPipelineTasks) {
  probe().reset();
  SchedulerOptions o;
  o.warmup = false;
  auto s = started(o, {{"echo-embed", ""}});
  ASSERT_TRUE(s->find("echo-embed", "embedding"));
  EXPECT_EQ(s->find("echo-embed")->embedding_dim, kEchoEmbeddingDim);
  Task t;
  t.request = EmbeddingRequest{"echo-embed", {"aab", "b"}};
  auto ch = t.channel;
  ASSERT_EQ(s->submit(std::move(t)), Scheduler::Submit::accepted);
  auto out = collect(ch);
  ASSERT_TRUE(out.embedding);
  ASSERT_EQ(out.embedding->vectors.size(), 2u);
  // Byte histograms, unit length: "aab" -> (2, 1) / sqrt(5) at 'a', 'b'.
  EXPECT_NEAR(out.embedding->vectors[0]['a'], 2 / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(out.embedding->vectors[0]['b'], 1 / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(out.embedding->vectors[1]['b'], 1.0, 1e-6);
  EXPECT_EQ(out.embedding->tokens, 4);

  Task p;
  p.request = example_request("stereo.sgm", 12, 40);
  auto cp = p.channel;
  ASSERT_EQ(s->submit(std::move(p)), Scheduler::Submit::accepted);
  auto res = collect(cp);
  ASSERT_TRUE(res.infer) << (res.failure ? res.failure->message : "no answer");
  ASSERT_EQ(res.infer->outputs.size(), 2u);
  EXPECT_EQ(res.infer->outputs[0].name, "disparity");
  EXPECT_EQ(res.infer->outputs[0].bytes.size(), 12u * 40 * 4);

  Task bad;
  InferRequest r = example_request("stereo.sgm", 12, 40);
  r.parameters["num_disparities"] = std::int64_t(-3);
  bad.request = r;
  auto cbad = bad.channel;
  ASSERT_EQ(s->submit(std::move(bad)), Scheduler::Submit::accepted);
  auto rb = collect(cbad);
  ASSERT_TRUE(rb.failure);
  EXPECT_EQ(rb.failure->status, 400);
}

TEST(Scheduler, RefusesBeforeReadyAndWhileDraining) {
  probe().reset();
  SchedulerOptions o;
  o.warmup = false;
  Scheduler s(o, {{"probe-echo", ""}});
  EXPECT_EQ(s.submit(completion_task("probe-echo", "x")), Scheduler::Submit::not_ready);
  s.start();
  ASSERT_TRUE(eventually([&] { return s.ready(); }));
  EXPECT_TRUE(s.drain(1s));
  EXPECT_EQ(s.submit(completion_task("probe-echo", "x")), Scheduler::Submit::stopping);
  s.stop();
}

TEST(Scheduler, WarmUpRunsEveryModelBeforeReady) {
  probe().reset();
  SchedulerOptions o;  // warm-up on
  auto s = started(o, {{"probe-echo", ""}});
  std::lock_guard<std::mutex> lock(probe().mutex);
  EXPECT_FALSE(probe().batch_sizes.empty()) << "no decode step before ready";
  EXPECT_EQ(probe().released.size(), 1u);
}

TEST(Scheduler, OptionsAreValidated) {
  SchedulerOptions o;
  o.max_batch = 0;
  EXPECT_THROW(o.validate(), std::invalid_argument);
  o = {};
  o.max_queue = -1;
  EXPECT_THROW(o.validate(), std::invalid_argument);
  EXPECT_THROW(parse_model_source("no-such-model"), std::invalid_argument);
  EXPECT_EQ(parse_model_source("echo=/x").path, "/x");
}

}  // namespace
}  // namespace robomlx::serve
