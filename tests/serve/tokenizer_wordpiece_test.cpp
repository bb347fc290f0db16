// SPDX-License-Identifier: Apache-2.0
// all-MiniLM-L6-v2's WordPiece against Hugging Face tokenizers 0.23.3 on the golden strings
// (scripts/make-tokenizer-goldens.py), token for token.
#include <fstream>

#include <gtest/gtest.h>

#include "robomlx/serve/tokenizer_wordpiece.h"
#include "serve_models.h"

namespace robomlx::serve {
namespace {

const WordPieceTokenizer& minilm_tokenizer() {
  static std::unique_ptr<WordPieceTokenizer> tok =
      WordPieceTokenizer::from_tokenizer_json(test::serve_model("all-minilm-l6-v2").path + "/tokenizer.json");
  return *tok;
}

TEST(TokenizerWordPiece, MatchesHuggingFaceOnTheGolden) {
  const auto golden = test::serve_golden("minilm_wordpiece_golden.json");
  const auto& tok = minilm_tokenizer();
  int checked = 0, wrong = 0;
  for (const auto& c : golden["cases"]) {
    const std::string text = c[0].get<std::string>();
    const auto want = test::parse_ids(c[1].get<std::string>());
    const auto got = tok.encode(text, true);
    ++checked;
    if (got != want && ++wrong <= 10) {
      std::string g, w;
      for (int id : got) g += std::to_string(id) + " ";
      for (int id : want) w += std::to_string(id) + " ";
      ADD_FAILURE() << "text " << nlohmann::json(text).dump() << "\n normalised " << nlohmann::json(tok.normalize(text)).dump()
                    << "\n got  " << g << "\n want " << w;
    }
  }
  EXPECT_EQ(wrong, 0) << "of " << checked;
  EXPECT_GT(checked, 1500);
}

TEST(TokenizerWordPiece, VocabTxtGivesTheSameTokens) {
  const auto from_txt = WordPieceTokenizer::from_vocab_txt(test::serve_model("all-minilm-l6-v2").path + "/vocab.txt");
  const auto& tok = minilm_tokenizer();
  for (const char* text : {"Hello, World!", "Café naïve façade", "unbelievably tokenized words"})
    EXPECT_EQ(from_txt->encode(text, true), tok.encode(text, true)) << text;
}

TEST(TokenizerWordPiece, SpecialsAndDecode) {
  const auto& tok = minilm_tokenizer();
  EXPECT_EQ(tok.cls_id(), 101);
  EXPECT_EQ(tok.sep_id(), 102);
  EXPECT_EQ(tok.encode("", true), (std::vector<int>{101, 102}));
  EXPECT_EQ(tok.decode(tok.encode("Hello, unbelievable world", true)), "hello , unbelievable world");
  EXPECT_TRUE(tok.stop_ids().empty());
}

// A tokenizer.json a user brings: wrong JSON types are named with the file, not nlohmann's type_error.
TEST(TokenizerWordPiece, MalformedTokenizerJsonIsNamed) {
  const std::string path = test::temp_dir() + "/tokenizer.json";
  auto load_with = [&](const std::string& text) {
    std::ofstream(path) << text;
    WordPieceTokenizer::from_tokenizer_json(path);
  };
  EXPECT_THROW_MSG(load_with(R"({"model": {"type": 5}})"), std::invalid_argument, path + ": 'type' must be a string, got 5");
  EXPECT_THROW_MSG(load_with(R"({"model": {"type": "WordPiece", "vocab": [1]}})"), std::invalid_argument,
                   "'model.vocab' must be an object");
  EXPECT_THROW_MSG(load_with(R"({"model": {"type": "WordPiece", "vocab": {"a": "0"}}})"), std::invalid_argument,
                   "the id of 'a' is not an integer");
  EXPECT_THROW_MSG(load_with(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": 5}})"),
                   std::invalid_argument, "'unk_token' must be a string, got 5");
  EXPECT_THROW_MSG(load_with(R"([1, 2])"), std::invalid_argument, "is not a WordPiece tokenizer.json");
}

}  // namespace
}  // namespace robomlx::serve
