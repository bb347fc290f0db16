// SPDX-License-Identifier: Apache-2.0
// all-MiniLM-L6-v2 on MLX against a NumPy float64 forward pass of the same weights
// (tests/data/serve/minilm_embedding_golden.json, scripts/make-model-goldens.py; that reference
// reproduces sentence-transformers' published vector for "This is an example sentence"):
// cosine >= 0.99999 per sentence, all sentences in one padded batch.
#include <cmath>

#include <fstream>

#include <gtest/gtest.h>
#include <mlx/ops.h>

#include "serve_models.h"

namespace robomlx::serve {
namespace {

TEST(BertEmbedding, MatchesTheNumPyReferenceInOnePaddedBatch) {
  auto& m = test::minilm();
  const auto golden = test::serve_golden("minilm_embedding_golden.json");
  std::vector<std::string> texts;
  for (const auto& c : golden["cases"]) texts.push_back(c["text"].get<std::string>());
  std::vector<int> counts;
  mx::array e = m.embed(texts, &counts);
  ASSERT_EQ(e.shape(), (mx::Shape{static_cast<int>(texts.size()), 384}));
  ASSERT_EQ(e.dtype(), mx::float32);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& want = golden["cases"][i]["embedding"];
    EXPECT_EQ(counts[i], golden["cases"][i]["tokens"].get<int>()) << texts[i];
    double dot = 0, nn = 0;
    for (int d = 0; d < 384; ++d) {
      const double g = e.data<float>()[i * 384 + d];
      dot += g * want[d].get<double>();
      nn += g * g;
    }
    EXPECT_NEAR(nn, 1.0, 1e-5);
    EXPECT_GE(dot, 0.99999) << texts[i];
  }
}

TEST(BertEmbedding, BatchingDoesNotChangeAnEmbedding) {
  auto& m = test::minilm();
  mx::array alone = m.embed({"a short one"});
  mx::array batched = m.embed({"a much longer sentence that forces padding of the short one", "a short one"});
  const float diff = mx::max(mx::abs(mx::subtract(alone, mx::slice(batched, {1, 0}, {2, 384})))).item<float>();
  EXPECT_LT(diff, 1e-5f);
}

TEST(BertEmbedding, InfoAndErrors) {
  auto& m = test::minilm();
  EXPECT_EQ(m.info().architecture, "bert");
  EXPECT_EQ(m.info().context_length, 256);
  EXPECT_EQ(m.dim(), 384);
  EXPECT_THROW(m.embed({}), std::invalid_argument);
  EXPECT_THROW(BertEmbedding::load(test::source_dir() + "/tests/data"), std::invalid_argument);
}

// A model folder a user brings: a config field of the wrong JSON type is named with its file.
TEST(BertEmbedding, ConfigFieldsOfTheWrongTypeAreNamed) {
  const std::string dir = test::temp_dir();
  auto load_with = [&](const std::string& config) {
    std::ofstream(dir + "/config.json") << config;
    BertEmbedding::load(dir);
  };
  EXPECT_THROW_MSG(load_with(R"({"model_type": 7})"), std::invalid_argument,
                   "bert: " + dir + "/config.json: 'model_type' must be a string, got 7");
  EXPECT_THROW_MSG(load_with(R"({"model_type": "bert", "hidden_size": "384"})"), std::invalid_argument,
                   "'hidden_size' must be an integer in range, got \"384\"");
  EXPECT_THROW_MSG(load_with(R"({"model_type": "bert", "num_hidden_layers": 1e12})"), std::invalid_argument,
                   "'num_hidden_layers' must be an integer in range");
}

}  // namespace
}  // namespace robomlx::serve
