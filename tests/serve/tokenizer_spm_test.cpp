// SPDX-License-Identifier: Apache-2.0
// Gemma 3's SentencePiece BPE against the Python `sentencepiece` package on 2,984 golden strings
// (scripts/make-gemma-goldens.py; llama.cpp's tokenizer agrees on all of them), token for token; decode round
// trips; special tokens, byte fallback and the stop ids.
#include <gtest/gtest.h>

#include "robomlx/serve/gguf_reader_internal.h"
#include "robomlx/serve/tokenizer_spm.h"
#include "serve_models.h"

namespace robomlx::serve {
namespace {

const SpmTokenizer& gemma_tokenizer() {
  static std::unique_ptr<SpmTokenizer> tok = SpmTokenizer::from_gguf(detail::read_gguf(test::gemma3_entry()->path).meta);
  return *tok;
}

std::string ids_text(const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) s += std::to_string(id) + " ";
  return s;
}

TEST(TokenizerSpm, MatchesSentencePieceOnTheGolden) {
  GEMMA3_OR_SKIP();
  const auto golden = test::serve_golden("gemma3_spm_golden.json");
  const auto& tok = gemma_tokenizer();
  int checked = 0, wrong = 0;
  for (const auto& c : golden["cases"]) {
    const std::string text = c[0].get<std::string>();
    const auto want = test::parse_ids(c[1].get<std::string>());
    const auto got = tok.encode(text, false);
    ++checked;
    if (got != want && ++wrong <= 10)
      ADD_FAILURE() << "text " << nlohmann::json(text).dump() << "\n got  " << ids_text(got) << "\n want " << ids_text(want);
  }
  EXPECT_EQ(wrong, 0) << "of " << checked;
  EXPECT_GT(checked, 2900);
}

TEST(TokenizerSpm, DecodeRoundTripsTextWithoutControlTokens) {
  GEMMA3_OR_SKIP();
  const auto golden = test::serve_golden("gemma3_spm_golden.json");
  const auto& tok = gemma_tokenizer();
  int checked = 0;
  for (const auto& c : golden["cases"]) {
    const std::string text = c[0].get<std::string>();
    // Control tokens (<bos>, <start_of_turn>, <unused0>...) are not text: decode drops them.
    if (text.find("<bos>") != std::string::npos || text.find("<eos>") != std::string::npos ||
        text.find("_of_turn>") != std::string::npos || text.find("<unused") != std::string::npos ||
        text.find("<pad>") != std::string::npos || text.find("<mask>") != std::string::npos ||
        text.find("<unk>") != std::string::npos)
      continue;
    EXPECT_EQ(tok.decode(tok.encode(text, false)), text);
    ++checked;
  }
  EXPECT_GT(checked, 1500);
}

TEST(TokenizerSpm, SpecialTokensByteFallbackAndStops) {
  GEMMA3_OR_SKIP();
  const auto& tok = gemma_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 262144);
  EXPECT_EQ(tok.token_id("<start_of_turn>"), 105);
  EXPECT_EQ(tok.token_id("<end_of_turn>"), 106);
  // Gemma adds <bos> (id 2) with add_special; no dummy space prefix.
  const auto ids = tok.encode("<start_of_turn>user\nhi<end_of_turn>", true);
  ASSERT_EQ(ids.size(), 6u) << ids_text(ids);
  EXPECT_EQ(ids[0], 2);
  EXPECT_EQ(ids[1], 105);
  EXPECT_EQ(ids[3], 107);  // "\n" is a user-defined token of its own
  EXPECT_EQ(ids.back(), 106);
  EXPECT_EQ(tok.decode(ids), "user\nhi");
  // A control character has no piece: its byte token <0x07> (id 238 + 7).
  EXPECT_EQ(tok.encode("\x07", false), std::vector<int>{245});
  // Invalid UTF-8 becomes U+FFFD before tokenizing.
  EXPECT_EQ(tok.decode(tok.encode("a\xff", false)), "a\xEF\xBF\xBD");
  const auto stops = tok.stop_ids();
  EXPECT_NE(std::find(stops.begin(), stops.end(), 1), stops.end());
  EXPECT_NE(std::find(stops.begin(), stops.end(), 106), stops.end());
}

}  // namespace
}  // namespace robomlx::serve
