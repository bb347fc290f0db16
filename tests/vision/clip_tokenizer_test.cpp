// SPDX-License-Identifier: Apache-2.0
// The CLIP tokenizer on the real vocabulary (shared/golden/vision/models/clip-vit-tiny-patch32):
// ids and BPE token strings of case.json (CLIPTokenizer's own output), truncation, padding.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/vision/clip_tokenizer.h"
#include "support.h"

namespace robomlx::vision {
namespace {

std::string model_dir() { return test::shared_dir() + "/golden/vision/models/clip-vit-tiny-patch32"; }

nlohmann::json clip_case() {
  std::ifstream in(test::shared_dir() + "/golden/vision/clip/case.json");
  return nlohmann::json::parse(in);
}

TEST(ClipTokenizer, PhotoOfACat) {
  const auto tok = ClipTokenizer::load(model_dir());
  EXPECT_EQ(tok->encode("a photo of a cat"), (std::vector<int>{49406, 320, 1125, 539, 320, 2368, 49407}));
  EXPECT_EQ(tok->bos_id(), 49406);
  EXPECT_EQ(tok->eos_id(), 49407);
}

TEST(ClipTokenizer, CaseTextsIdsAndTokenStrings) {
  const auto tok = ClipTokenizer::load(model_dir());
  const auto j = clip_case();
  ASSERT_EQ(j["texts"].size(), 5u);
  for (const auto& t : j["texts"]) {
    const std::string text = t["text"];
    EXPECT_EQ(tok->encode(text), t["input_ids_unpadded"].get<std::vector<int>>()) << text;
    auto strings = t["tokens_unpadded"].get<std::vector<std::string>>();
    // The file lists BOS / EOS too; token_strings leaves them out. Truncated rows list only what was kept.
    strings.erase(strings.begin());
    strings.pop_back();
    auto mine = tok->token_strings(text);
    if (mine.size() > strings.size()) mine.resize(strings.size());
    EXPECT_EQ(mine, strings) << text;
  }
}

TEST(ClipTokenizer, TruncatesTo77AndPadsWithEos) {
  const auto tok = ClipTokenizer::load(model_dir());
  std::string longtext;
  for (int i = 0; i < 100; ++i) longtext += "word ";
  const auto ids = tok->encode(longtext);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), 49406);
  EXPECT_EQ(ids.back(), 49407);
  const auto b = tok->encode_batch({"", "a cat"}, 77);
  ASSERT_EQ(b.input_ids.shape(), (mx::Shape{2, 77}));
  EXPECT_EQ(b.input_ids.data<std::int32_t>()[2], 49407);  // padding after BOS, EOS of the empty text
  EXPECT_EQ(b.attention_mask.data<std::int32_t>()[1], 1);
  EXPECT_EQ(b.attention_mask.data<std::int32_t>()[2], 0);
}

TEST(ClipTokenizer, NormalisesCaseAndInvalidUtf8) {
  EXPECT_EQ(clip_normalize_text("ÜBER Straße"), "über straße");
  EXPECT_EQ(clip_normalize_text("a\xffz"), "a\xef\xbf\xbdz");  // U+FFFD
  const auto tok = ClipTokenizer::load(model_dir());
  EXPECT_EQ(tok->encode("A PHOTO of a Cat"), tok->encode("a photo  of\ta cat"));
}

TEST(ClipTokenizer, EmptyListAndMissingFilesAreErrors) {
  const auto tok = ClipTokenizer::load(model_dir());
  EXPECT_THROW(tok->encode_batch({}), std::invalid_argument);
  EXPECT_THROW(ClipTokenizer::load(test::temp_dir()), FormatError);
}

}  // namespace
}  // namespace robomlx::vision
