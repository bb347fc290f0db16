// SPDX-License-Identifier: Apache-2.0
// `robomlx generate --model NAME --prompt TEXT [--max-tokens N] [--temperature T] [--top-k K]
// [--top-p P] [--min-p P] [--seed S] [--chat] [--system TEXT] [--stop S]... [--models DIR]`: one
// completion from a served language model (serve/model_repository.h), printed to stdout as the
// tokens come; prompt and decode speeds on stderr.
// `robomlx models [--models DIR]`: the models found, with their memory estimates.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/serve/model_repository.h"
#include "robomlx/serve/sampler.h"
#include "robomlx/serve/stop_strings.h"

namespace robomlx::cli {

namespace {
namespace sv = robomlx::serve;
using Clock = std::chrono::steady_clock;

struct GenerateArgs {
  std::string model, prompt, system;
  std::vector<std::string> models_dirs, stop;
  int max_tokens = 128;
  int prefill_chunk = 512;
  float temperature = 0.0f, top_p = 1.0f, min_p = 0.0f, repetition_penalty = 1.0f;
  int top_k = 0;
  std::optional<std::uint64_t> seed;
  bool chat = false;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string mib(std::int64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << bytes / (1024.0 * 1024.0) << " MiB";
  return s.str();
}

sv::ModelEntry pick_model(const std::vector<std::string>& dirs, const std::string& name) {
  const auto models = sv::find_models(sv::ModelSearch{dirs, {}});
  if (auto e = sv::find_model(models, name)) return *e;
  std::string known;
  for (const auto& m : models) known += (known.empty() ? "" : ", ") + m.name;
  throw std::invalid_argument("--model: no model named " + name + " (found: " + (known.empty() ? "none; run scripts/setup" : known) + ")");
}

void run_generate(const GlobalOptions& global, const GenerateArgs& a) {
  if (a.prompt.empty()) throw std::invalid_argument("--prompt: empty");
  if (a.max_tokens < 1) throw std::invalid_argument("--max-tokens: must be at least 1");
  if (a.prefill_chunk < 1) throw std::invalid_argument("--prefill-chunk: must be at least 1");
  sv::SamplingParams p;
  p.temperature = a.temperature;
  p.top_k = a.top_k;
  p.top_p = a.top_p;
  p.min_p = a.min_p;
  p.repetition_penalty = a.repetition_penalty;
  p.seed = a.seed;
  p.max_tokens = a.max_tokens;
  p.stop = a.stop;
  const sv::ModelEntry entry = pick_model(a.models_dirs, a.model);
  if (entry.kind != sv::ModelKind::text) throw std::invalid_argument("--model: " + entry.name + " is an embedding model");
  const mx::Device device = apply_device(global, Workload::general);

  auto t0 = Clock::now();
  auto model = sv::load_text_model(entry);
  const double load_s = seconds_since(t0);
  std::string text = a.prompt;
  if (a.chat) {
    std::vector<sv::ChatMessage> messages;
    if (!a.system.empty()) messages.push_back({"system", a.system});
    messages.push_back({"user", a.prompt});
    text = model->chat_prompt(messages);
  }
  const auto& tok = model->tokenizer();
  const std::vector<int> prompt = tok.encode(text, true);
  sv::Sampler sampler(p, prompt, std::random_device{}());
  const auto stop_ids = tok.stop_ids();

  t0 = Clock::now();
  const sv::SequenceId seq = model->start(prompt);
  std::optional<mx::array> logits;
  while (!(logits = model->prefill(seq, a.prefill_chunk))) {
  }
  const double prefill_s = seconds_since(t0);

  sv::StopStringFilter filter(p.stop);
  int generated = 0;
  std::string reason = "length";
  t0 = Clock::now();
  while (true) {
    const int next = sampler.sample(*logits);
    if (std::find(stop_ids.begin(), stop_ids.end(), next) != stop_ids.end()) {
      reason = "stop token";
      break;
    }
    ++generated;
    std::cout << filter.push(tok.decode({next})) << std::flush;
    if (filter.stopped()) {
      reason = "stop string";
      break;
    }
    if (generated >= a.max_tokens || model->length(seq) >= model->info().context_length) break;
    logits = model->decode({seq}, {next});
  }
  std::cout << filter.flush() << std::endl;
  const double decode_s = seconds_since(t0);
  model->release(seq);
  std::cerr << std::fixed << std::setprecision(1) << "[generate] " << entry.name << " on " << describe_device(device)
            << ": loaded in " << load_s << " s; prompt " << prompt.size() << " tokens in " << prefill_s << " s ("
            << prompt.size() / std::max(prefill_s, 1e-9) << " tok/s); " << generated << " tokens in " << decode_s << " s ("
            << generated / std::max(decode_s, 1e-9) << " tok/s); stopped by " << reason << "\n";
}

void run_models(const std::vector<std::string>& dirs) {
  const auto models = sv::find_models(sv::ModelSearch{dirs, {}});
  if (models.empty()) std::cout << "no models found (scripts/setup installs them into the venv; or pass --models DIR)\n";
  for (const auto& m : models) {
    const int ctx = m.max_context > 0 ? m.max_context : m.context_length;
    std::cout << m.name << "  " << (m.kind == sv::ModelKind::text ? "text" : "embedding") << "  " << m.architecture
              << "  weights " << mib(m.weight_bytes) << "  context " << ctx;
    if (m.kv_bytes_per_token > 0)
      std::cout << "  KV " << m.kv_bytes_per_token / 1024 << " KiB/token  estimate " << mib(m.memory_estimate(ctx, 1))
                << " (1 x " << ctx << " tokens)";
    std::cout << "\n  " << m.path << "  [" << m.source << "]\n";
  }
}

void add_generate(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Generate text with a served language model (prints tokens as they come)");
  cmd->add_option("--model", args->model, "Model name (robomlx models lists them)")->required();
  cmd->add_option("--prompt", args->prompt, "Prompt text (with --chat: the user message)")->required();
  cmd->add_option("--max-tokens", args->max_tokens, "Most tokens to generate (default 128)");
  cmd->add_option("--temperature", args->temperature, "0 = greedy (default 0)");
  cmd->add_option("--top-k", args->top_k, "Keep the k most likely tokens (0 = off)");
  cmd->add_option("--top-p", args->top_p, "Nucleus sampling mass (1 = off)");
  cmd->add_option("--min-p", args->min_p, "Drop tokens below min_p times the most likely (0 = off)");
  cmd->add_option("--repetition-penalty", args->repetition_penalty, "1 = off");
  cmd->add_option("--seed", args->seed, "Sampling seed (same seed, same text)");
  cmd->add_option("--stop", args->stop, "Stop string (repeatable)");
  cmd->add_flag("--chat", args->chat, "Wrap the prompt in the model's chat template as a user message");
  cmd->add_option("--system", args->system, "System message (with --chat)");
  cmd->add_option("--prefill-chunk", args->prefill_chunk, "Prompt tokens per forward pass (default 512)");
  cmd->add_option("--models", args->models_dirs, "Folder of models searched before the venv's (repeatable)");
  cmd->callback([&global, args] { run_generate(global, *args); });

  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* list = app.add_subcommand("models", "List the models robomlx can serve, with memory estimates");
  list->add_option("--models", *dirs, "Folder of models searched before the venv's (repeatable)");
  list->callback([dirs] { run_models(*dirs); });
}
}  // namespace

ROBOMLX_COMMAND(generate, add_generate);

}  // namespace robomlx::cli
