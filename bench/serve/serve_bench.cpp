// SPDX-License-Identifier: Apache-2.0
// `robomlx bench serve`: SmolLM2-135M-Instruct (Q4_1 GGUF) and Gemma 3 270M (Q4_K_M GGUF, requantized
// to 8 bits at load) from the venv on the bench device, each case named after its model:
// - prefill of one 128-token prompt (its time is the time to first token);
// - time to first token of a 512-token shared prefix + 16 new tokens, prefilled in the server's
//   256-token chunks from scratch and from the prefix cache (the prefix saved by an earlier
//   sequence, so only the 16 new tokens run);
// - decode steps of 1, 8 and 32 sequences holding 128-token prompts (one batched forward pass each;
//   tok/s = sequences per step / step time), with the step's graph size (graph_size: nodes, and
//   kernels = nodes that launch work; on a GPU this step is launch-bound, on the CPU every node is a
//   hand-off to MLX's stream thread).
// First, the decode step's ops alone (serve_ops_bench.cpp).
// --quick: 32-token prompts, 1 and 8 sequences, a 128-token shared prefix. Gemma's rows are left out
// (with a note on stderr) when its package is not installed. The same GGUFs under llama.cpp:
// scripts/llamacpp_serve_peer.py, in the same session, for the side-by-side rows.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/bench.h"
#include "robomlx/serve/gemma_model.h"
#include "robomlx/serve/llama_model.h"
#include "robomlx/serve/model_repository.h"
#include "robomlx/serve/scheduler.h"
#include "serve_bench.h"

namespace robomlx::serve {

namespace {

std::vector<int> prompt_of(int n) {
  std::vector<int> p(n);
  for (int i = 0; i < n; ++i) p[i] = 1000 + (i * 7919) % 40000;  // arbitrary ordinary tokens (both vocabularies)
  return p;
}

void model_cases(BenchContext& ctx, const std::string& tag, CachedDecoder& model) {
  const int P = ctx.quick ? 32 : 128;
  const auto prompt = prompt_of(P);
  auto& pre = ctx.run(tag + " prefill P=" + std::to_string(P), [&] {
    const SequenceId s = model.start(prompt);
    mx::array logits = *model.prefill(s, P);
    model.release(s);
    return std::vector<mx::array>{logits};
  }, "robomlx");
  pre.metrics["tok/s"] = P / (pre.median_ms / 1000.0);

  const int S = ctx.quick ? 128 : 512, N = 16, chunk = SchedulerOptions{}.prefill_chunk;
  std::vector<int> earlier = prompt_of(S), asked = prompt_of(S);
  for (int i = 0; i < N; ++i) earlier.push_back(2000 + i), asked.push_back(3000 + i);
  auto first_token = [&](SequenceId s) {
    std::optional<mx::array> logits;
    while (!(logits = model.prefill(s, chunk))) {
    }
    model.release(s);
    return std::vector<mx::array>{*logits};
  };
  const SequenceId e = model.start(earlier);
  while (!model.prefill(e, chunk)) {
  }
  const auto saved = model.save_prefix(e);  // what the scheduler keeps once `earlier` has prefilled
  model.release(e);
  const std::string shape = " S=" + std::to_string(S) + "+" + std::to_string(N);
  auto& cold = ctx.run(tag + " ttft no prefix hit" + shape, [&] { return first_token(model.start(asked)); }, "robomlx");
  auto& warm = ctx.run(tag + " ttft prefix hit" + shape, [&] { return first_token(model.start_from(asked, *saved, S)); }, "robomlx");
  warm.metrics["speedup"] = cold.median_ms / warm.median_ms;

  std::vector<int> batches = ctx.quick ? std::vector<int>{1, 8} : std::vector<int>{1, 8, 32};
  for (int B : batches) {
    std::vector<SequenceId> seqs;
    for (int b = 0; b < B; ++b) {
      seqs.push_back(model.start(prompt));
      model.prefill(seqs.back(), P);
    }
    const std::vector<int> tokens(B, 42);
    model.decode(seqs, tokens);  // forms the shared batch cache outside the clock
    auto& r = ctx.run(tag + " decode B=" + std::to_string(B) + " ctx=" + std::to_string(P), [&] {
      return std::vector<mx::array>{model.decode(seqs, tokens)};
    }, "robomlx");
    r.metrics["tok/s"] = B / (r.median_ms / 1000.0);
    const GraphSize g = graph_size(model.decode_graph(seqs, tokens));
    r.metrics["graph nodes"] = g.nodes;
    r.metrics["graph kernels"] = g.kernels;
    for (auto s : seqs) model.release(s);
  }
}

// ROBOMLX_BENCH_SERVE_MODEL=smollm2|gemma3 times one model only (e.g. where only one GGUF was carried).
void serve_suite(BenchContext& ctx) {
  const char* only_env = std::getenv("ROBOMLX_BENCH_SERVE_MODEL");
  const std::string only = only_env ? only_env : "";
  if (!only.empty() && only != "smollm2" && only != "gemma3")
    throw std::invalid_argument("bench serve: ROBOMLX_BENCH_SERVE_MODEL must be smollm2 or gemma3, got '" + only + "'");
  op_cases(ctx);
  const auto models = find_models();
  if (only != "gemma3") {
    const auto smol = find_model(models, "smollm2-135m-instruct");
    if (!smol) throw std::runtime_error("bench serve: smollm2-135m-instruct is not installed (run scripts/setup)");
    LlamaOptions o;
    o.id = smol->name;
    o.device = ctx.device();
    model_cases(ctx, "smollm2", *LlamaModel::load(smol->path, o));
  }
  if (only == "smollm2") return;
  const auto gemma = find_model(models, "gemma3-270m");
  if (!gemma) {
    if (only == "gemma3") throw std::runtime_error("bench serve: gemma3-270m is not installed (run scripts/setup)");
    std::cerr << "bench serve: gemma3-270m is not installed (scripts/setup assembles it): its rows are left out\n";
    return;
  }
  GemmaOptions o;
  o.id = gemma->name;
  o.device = ctx.device();
  model_cases(ctx, "gemma3", *GemmaModel::load(gemma->path, o));
}

}  // namespace

ROBOMLX_BENCH_SUITE(serve, "language-model serving: SmolLM2-135M Q4_1 and Gemma 3 270M prefill (time to first token, "
                           "with and without a prefix-cache hit), batched decode tokens/s, and the decode ops alone",
                    serve_suite);

}  // namespace robomlx::serve
