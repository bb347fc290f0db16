// SPDX-License-Identifier: Apache-2.0
// `robomlx bench serve`: SmolLM2-135M-Instruct (Q4_1 GGUF from the venv) on the bench device:
// prefill of one 128-token prompt (its time is the time to first token), and decode steps of 1, 8
// and 32 sequences holding 128-token prompts (one batched forward pass each; tok/s = sequences per
// step / step time). --quick: 32-token prompts, 1 and 8 sequences. The same GGUF under llama.cpp:
// scripts/llamacpp_serve_peer.py, in the same session, for the side-by-side row.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <mlx/device.h>
#include <mlx/ops.h>

#include "robomlx/core/bench.h"
#include "robomlx/serve/llama_model.h"
#include "robomlx/serve/model_repository.h"

namespace robomlx::serve {

namespace {

std::vector<int> prompt_of(int n) {
  std::vector<int> p(n);
  for (int i = 0; i < n; ++i) p[i] = 1000 + (i * 7919) % 40000;  // arbitrary ordinary tokens
  return p;
}

// ROBOMLX_BENCH_SERVE_MODEL names another installed text model (gemma3-270m); its rows carry the name.
void serve_suite(BenchContext& ctx) {
  const char* env = std::getenv("ROBOMLX_BENCH_SERVE_MODEL");
  const std::string name = env && *env ? env : "smollm2-135m-instruct";
  const auto entry = find_model(find_models(), name);
  if (!entry) throw std::runtime_error("bench serve: " + name + " is not installed (run scripts/setup)");
  std::unique_ptr<TextModel> model;
  if (name == "smollm2-135m-instruct") {
    LlamaOptions o;
    o.id = entry->name;
    o.device = ctx.device();
    model = LlamaModel::load(entry->path, o);
  } else {
    mx::set_default_device(ctx.device());  // load_text_model places the weights on the default device
    model = load_text_model(*entry);
  }
  const std::string tag = name == "smollm2-135m-instruct" ? "" : name + " ";
  const int P = ctx.quick ? 32 : 128;
  const auto prompt = prompt_of(P);

  auto& pre = ctx.run(tag + "prefill P=" + std::to_string(P), [&] {
    const SequenceId s = model->start(prompt);
    mx::array logits = *model->prefill(s, P);
    model->release(s);
    return std::vector<mx::array>{logits};
  }, "robomlx");
  pre.metrics["tok/s"] = P / (pre.median_ms / 1000.0);

  std::vector<int> batches = ctx.quick ? std::vector<int>{1, 8} : std::vector<int>{1, 8, 32};
  for (int B : batches) {
    std::vector<SequenceId> seqs;
    for (int b = 0; b < B; ++b) {
      seqs.push_back(model->start(prompt));
      model->prefill(seqs.back(), P);
    }
    const std::vector<int> tokens(B, 42);
    model->decode(seqs, tokens);  // forms the shared batch cache outside the clock
    auto& r = ctx.run(tag + "decode B=" + std::to_string(B) + " ctx=" + std::to_string(P), [&] {
      return std::vector<mx::array>{model->decode(seqs, tokens)};
    }, "robomlx");
    r.metrics["tok/s"] = B / (r.median_ms / 1000.0);
    for (auto s : seqs) model->release(s);
  }
}

}  // namespace

ROBOMLX_BENCH_SUITE(serve, "language-model serving: SmolLM2-135M Q4_1 prefill (time to first token) and batched decode tokens/s",
                    serve_suite);

}  // namespace robomlx::serve
