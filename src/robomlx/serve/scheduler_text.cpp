// SPDX-License-Identifier: Apache-2.0
// Text generation on the inference thread: admission, chunked prefill, batched decode, and the
// end of a sequence (its KV cache is released the moment it ends, whatever the reason).
#include <algorithm>
#include <chrono>
#include <random>
#include <span>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/serve/scheduler_internal.h"
#include "robomlx/serve/server_metrics.h"

namespace robomlx::serve {

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Logits [B, vocab] as one host float32 block (row b at b * vocab).
std::vector<float> host_logits(mx::array logits) {
  logits = mx::contiguous(mx::astype(logits, mx::float32));
  mx::eval(logits);
  const float* p = logits.data<float>();
  return std::vector<float>(p, p + logits.size());
}

// One row of logits in, one token out (sampler.h), with its log-probabilities when asked.
TokenChoice next_token(std::span<const float> row, Sequence& s) {
  TokenChoice c;
  c.token = s.sampler->sample(row.data(), static_cast<int>(row.size()));
  if (s.request().params.logprobs) {
    c.logprob = s.sampler->chosen_logprob().logprob;
    for (const SampledLogprob& t : s.sampler->top_logprobs()) c.top.emplace_back(t.token, t.logprob);
  }
  return c;
}

}  // namespace

bool Scheduler::Impl::admit(Task&& task) {
  const auto& req = std::get<CompletionRequest>(task.request);
  auto it = text.find(req.model);
  if (it == text.end()) {
    task.channel->push(Failure{404, "invalid_request_error", "The model '" + req.model + "' does not exist"});
    return false;
  }
  auto s = std::make_unique<Sequence>();
  s->model = it->second.get();
  s->text = TextAssembler(req.params.stop);
  try {
    const std::string prompt = req.chat ? s->model->chat_prompt(req.messages) : req.prompt;
    s->prompt = s->model->tokenizer().encode(prompt, true);
    const int ctx = s->model->info().context_length;
    if (static_cast<int>(s->prompt.size()) >= ctx)
      throw std::invalid_argument("This model's maximum context length is " + std::to_string(ctx) +
                                  " tokens; the prompt has " + std::to_string(s->prompt.size()));
    // Without a seed, each request draws its own; with one, the same seed gives the same text.
    s->sampler = std::make_unique<Sampler>(req.params, s->prompt, std::random_device{}());
    start(*s, req.model);
  } catch (const std::invalid_argument& e) {
    if (metrics) metrics->count_failure("bad_request");
    task.channel->push(Failure{400, "invalid_request_error", e.what()});
    return false;
  } catch (const std::exception& e) {
    if (metrics) metrics->count_failure("backend");
    task.channel->push(Failure{500, "server_error", e.what()});
    return false;
  }
  s->admitted = Clock::now();
  if (metrics) {
    metrics->add_prompt_tokens(static_cast<long>(s->prompt.size()));
    metrics->observe_queue(seconds(s->admitted - task.enqueued));
  }
  s->task = std::move(task);
  active.push_back(std::move(s));
  return true;
}

bool Scheduler::Impl::prefill_step() {
  for (auto& sp : active) {
    Sequence& s = *sp;
    if (s.prefilled || s.done) continue;
    try {
      std::optional<mx::array> logits = s.model->prefill(s.seq, options.prefill_chunk);
      if (logits) {
        s.prefilled = true;
        const std::vector<float> row = host_logits(*logits);
        const TokenChoice choice = next_token(row, s);
        on_token(s, choice.token, choice);
        if (!s.done) remember(s);  // after the first token is out: its copy does not delay TTFT
      }
    } catch (const std::exception& e) {
      if (metrics) metrics->count_failure("backend");
      s.task.channel->push(Failure{500, "server_error", e.what()});
      finish(s, "");
    }
    return true;  // one chunk per iteration
  }
  return false;
}

bool Scheduler::Impl::decode_step() {
  bool worked = false;
  for (auto& [name, model] : text) {
    std::vector<Sequence*> batch;
    for (auto& sp : active)
      if (sp->model == model.get() && sp->prefilled && !sp->done) batch.push_back(sp.get());
    if (batch.empty()) continue;
    worked = true;
    std::vector<SequenceId> ids;
    std::vector<int> tokens;
    for (auto* s : batch) ids.push_back(s->seq), tokens.push_back(s->last_token);
    try {
      const std::vector<float> logits = host_logits(model->decode(ids, tokens));
      const std::size_t vocab = logits.size() / batch.size();
      for (std::size_t b = 0; b < batch.size(); ++b) {
        const std::span<const float> row(logits.data() + b * vocab, vocab);
        const TokenChoice choice = next_token(row, *batch[b]);
        on_token(*batch[b], choice.token, choice);
      }
    } catch (const std::exception& e) {
      if (metrics) metrics->count_failure("backend");
      for (auto* s : batch) {
        s->task.channel->push(Failure{500, "server_error", e.what()});
        finish(*s, "");
      }
    }
  }
  return worked;
}

void Scheduler::Impl::on_token(Sequence& s, int token, const TokenChoice& choice) {
  const auto now = Clock::now();
  if (metrics)
    s.generated.empty() ? metrics->observe_ttft(seconds(now - s.admitted))
                        : metrics->observe_inter_token(seconds(now - s.last_token_time));
  s.last_token_time = now;
  s.last_token = token;
  s.generated.push_back(token);
  const Tokenizer& tok = s.model->tokenizer();
  const SamplingParams& p = s.request().params;
  Delta d;
  if (p.logprobs) {
    TokenLogprob lp{tok.decode({token}), choice.logprob, {}};
    for (const auto& [id, v] : choice.top) lp.top.emplace_back(tok.decode({id}), v);
    d.logprobs.push_back(std::move(lp));
  }
  const auto stops = tok.stop_ids();
  const bool end_token = std::find(stops.begin(), stops.end(), token) != stops.end();
  d.text = end_token ? s.text.flush() : s.text.update(tok.decode(s.generated));
  std::string reason;
  if (end_token || s.text.stopped()) {
    reason = "stop";
  } else if (static_cast<int>(s.generated.size()) >= p.max_tokens ||
             s.model->length(s.seq) + 1 > s.model->info().context_length) {
    d.text += s.text.flush();
    reason = "length";
  }
  if (!d.text.empty() || !d.logprobs.empty()) s.task.channel->push(std::move(d));
  if (!reason.empty()) finish(s, reason);
}

void Scheduler::Impl::start(Sequence& s, const std::string& model) {
  const int prompt = static_cast<int>(s.prompt.size());
  const bool cache = prefix_cache.capacity() > 0;
  // Never the last prompt token: its logits are the first sample.
  const PrefixCache::Match m = cache ? prefix_cache.lookup(model, s.prompt, prompt - 1, kPrefixMinTokens) : PrefixCache::Match{};
  s.seq = m.prefix ? s.model->start_from(s.prompt, *m.prefix, m.tokens) : s.model->start(s.prompt);
  s.reused = s.saved = m.prefix ? m.tokens : 0;
  if (cache && metrics) metrics->count_prefix_lookup(s.reused);
}

void Scheduler::Impl::remember(Sequence& s) {
  if (prefix_cache.capacity() == 0 || s.seq < 0) return;
  try {
    const int held = s.model->length(s.seq);
    if (held - s.saved < kPrefixMinTokens) return;
    std::shared_ptr<const KvPrefix> p = s.model->save_prefix(s.seq);
    if (!p) return;
    s.saved = static_cast<int>(p->tokens.size());
    prefix_cache.insert(s.request().model, std::move(p));
  } catch (const std::exception&) {  // the cache only saves time: a failed copy is not the request's failure
    return;
  }
  if (metrics) metrics->set_prefix_cache(prefix_cache.bytes(), prefix_cache.entries(), prefix_cache.evictions());
}

void Scheduler::Impl::finish(Sequence& s, const std::string& reason) {
  if (s.done) return;
  s.done = true;
  if (!reason.empty()) remember(s);  // a normal end: the next turn of a chat starts with all of it
  if (s.seq >= 0) {
    try {
      s.model->release(s.seq);
    } catch (const std::exception&) {  // a failed model may not know the sequence any more
    }
    s.seq = -1;
  }
  if (reason.empty()) return;  // failed or cancelled: the caller already told the client
  if (metrics) {  // counted before the client hears of the end, so its next /metrics agrees
    metrics->count_finished(reason);
    metrics->add_generation_tokens(static_cast<long>(s.generated.size()));
    metrics->observe_e2e(seconds(Clock::now() - s.task.enqueued));
  }
  s.task.channel->push(Finish{reason, static_cast<int>(s.prompt.size()), static_cast<int>(s.generated.size())});
}

void Scheduler::Impl::reap(Clock::time_point now) {
  for (auto& sp : active) {
    Sequence& s = *sp;
    if (s.done) continue;
    if (s.task.channel->cancelled()) {
      if (metrics) metrics->count_failure("cancelled");
      finish(s, "");
    } else if (now > s.task.deadline) {
      if (metrics) metrics->count_failure("timeout");
      s.task.channel->push(Failure{504, "timeout_error", "The request did not finish within the server's timeout"});
      finish(s, "");
    }
  }
  active.erase(std::remove_if(active.begin(), active.end(), [](const auto& s) { return s->done; }), active.end());
}

void Scheduler::Impl::abort_all(const Failure& failure) {
  for (auto& sp : active)
    if (!sp->done) {
      sp->task.channel->push(failure);
      finish(*sp, "");
    }
  active.clear();
}

}  // namespace robomlx::serve
