// SPDX-License-Identifier: Apache-2.0
// SmolLM2's byte-level BPE against Hugging Face tokenizers 0.23.3 on the golden strings
// (scripts/make-tokenizer-goldens.py), token for token; decode round trips.
#include <gtest/gtest.h>
#include <mlx/io.h>

#include "robomlx/serve/tokenizer_bpe.h"
#include "serve_models.h"

namespace robomlx::serve {
namespace {

const BpeTokenizer& smollm2_tokenizer() {
  static std::unique_ptr<BpeTokenizer> tok = [] {
    auto [tensors, meta] = mx::load_gguf(test::serve_model("smollm2-135m-instruct").path, mx::Device::cpu);
    return BpeTokenizer::from_gguf(meta);
  }();
  return *tok;
}

TEST(TokenizerBpe, MatchesHuggingFaceOnTheGolden) {
  const auto golden = test::serve_golden("smollm2_bpe_golden.json");
  const auto& tok = smollm2_tokenizer();
  int checked = 0, wrong = 0;
  for (const auto& c : golden["cases"]) {
    const std::string text = c[0].get<std::string>();
    const auto want = test::parse_ids(c[1].get<std::string>());
    const auto got = tok.encode(text, false);
    ++checked;
    if (got != want && ++wrong <= 10) {
      std::string g, w;
      for (int id : got) g += std::to_string(id) + " ";
      for (int id : want) w += std::to_string(id) + " ";
      ADD_FAILURE() << "text " << nlohmann::json(text).dump() << "\n got  " << g << "\n want " << w;
    }
  }
  EXPECT_EQ(wrong, 0) << "of " << checked;
  EXPECT_GT(checked, 1500);
}

TEST(TokenizerBpe, DecodeRoundTripsTextWithoutSpecialTokens) {
  const auto golden = test::serve_golden("smollm2_bpe_golden.json");
  const auto& tok = smollm2_tokenizer();
  for (const auto& c : golden["cases"]) {
    const std::string text = c[0].get<std::string>();
    if (text.find("<|") != std::string::npos || text.find("<repo_name>") != std::string::npos) continue;
    // Bytes SmolLM2's vocabulary has no token for are dropped (as HF does): no round trip.
    if (text.find_first_of(std::string("\x04\x06\x13\x14\x16\x1d\xf1\xf2", 8)) != std::string::npos) continue;
    EXPECT_EQ(tok.decode(tok.encode(text, false)), text);
  }
}

TEST(TokenizerBpe, SpecialTokensAndStops) {
  const auto& tok = smollm2_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 49152);
  EXPECT_EQ(tok.token_id("<|im_start|>"), 1);
  EXPECT_EQ(tok.token_id("<|im_end|>"), 2);
  const auto ids = tok.encode("<|im_start|>user\nhi<|im_end|>", true);  // SmolLM2 adds no BOS
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(tok.decode(ids), "user\nhi");  // control tokens are not text
  const auto stops = tok.stop_ids();
  EXPECT_NE(std::find(stops.begin(), stops.end(), 2), stops.end());
  EXPECT_NE(std::find(stops.begin(), stops.end(), 0), stops.end());
}

TEST(TokenizerBpe, InvalidUtf8BecomesReplacementCharacters) {
  const auto& tok = smollm2_tokenizer();
  EXPECT_EQ(tok.encode(std::string("a\xff" "b"), false), tok.encode("a\xEF\xBF\xBD" "b", false));
  EXPECT_EQ(tok.encode(std::string("\xE2\x82"), false), tok.encode("\xEF\xBF\xBD\xEF\xBF\xBD", false));
  EXPECT_TRUE(tok.encode("", false).empty());
}

TEST(TokenizerBpe, LongRunsTokenizeLikeShortOnes) {
  // 20,000 spaces before a word split as "\s+(?!\S)" then " x", like 20; so do long letter runs.
  const auto& tok = smollm2_tokenizer();
  for (const std::string unit : {" ", "a", "\n"}) {
    std::string longer;
    for (int i = 0; i < 20000; ++i) longer += unit;
    const auto ids = tok.encode(longer + " x", false);
    EXPECT_EQ(tok.decode(ids), longer + " x");
    const auto tail = tok.encode(" x", false);
    ASSERT_GE(ids.size(), tail.size());
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), ids.end() - tail.size())) << "unit " << unit;
  }
}

TEST(TokenizerBpe, RejectsUnknownPreTokenizer) {
  BpeVocabulary v;
  v.pre = "qwen2";
  EXPECT_THROW(BpeTokenizer{v}, std::invalid_argument);
}

}  // namespace
}  // namespace robomlx::serve
