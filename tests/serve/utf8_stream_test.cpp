// SPDX-License-Identifier: Apache-2.0
// Streaming text: every released piece is valid UTF-8, the pieces add up to the whole text, and
// stop strings cut exactly where a plain search of the whole text says, whatever the token
// boundaries (random byte splits against that reference).
#include <gtest/gtest.h>

#include <random>

#include "robomlx/serve/utf8_stream.h"

namespace robomlx::serve {
namespace {

TEST(Utf8, ValidityFollowsRfc3629) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xE2\x9C"));          // truncated
}

TEST(Utf8, OnlyATrailingIncompleteCharacterIsHeldBack) {
  EXPECT_EQ(complete_utf8_prefix("ab\xE2\x9C"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xE2\x9C\x93"), 5u);
  EXPECT_EQ(complete_utf8_prefix("ab\xF0"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\x80"), 3u);      // never completable: not held
  EXPECT_EQ(complete_utf8_prefix("ab\xE2\x41"), 4u);  // broken already: not held
  EXPECT_EQ(sanitize_utf8("a\x80" "b\xE2\x9C"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

// The reference: the whole text cut at the earliest stop string.
std::string reference(const std::string& text, const std::vector<std::string>& stops) {
  std::size_t cut = text.size();
  for (const auto& s : stops) cut = std::min(cut, text.find(s));
  return text.substr(0, cut);
}

TEST(Utf8, RandomSplitsMatchTheWholeTextReference) {
  const std::vector<std::string> alphabet = {"a", "b", " ", "\xC3\xA9", "\xE2\x9C\x93", "\xF0\x9F\x98\x80", "\n"};
  const std::vector<std::vector<std::string>> stop_sets = {
      {}, {"b\xC3\xA9"}, {"\xE2\x9C\x93\xE2\x9C\x93"}, {"ab", "\n\n"}, {"\xF0\x9F\x98\x80 a"}};
  std::mt19937 rng(7);
  for (int trial = 0; trial < 400; ++trial) {
    std::string text;
    const int chars = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < chars; ++i) text += alphabet[rng() % alphabet.size()];
    const auto& stops = stop_sets[trial % stop_sets.size()];
    TextAssembler a(stops);
    std::string out;
    std::size_t at = 0;
    while (at < text.size() && !a.stopped()) {
      at = std::min(text.size(), at + 1 + rng() % 3);  // tokens of 1..3 bytes
      const std::string piece = a.update(text.substr(0, at));
      ASSERT_TRUE(is_valid_utf8(piece)) << "trial " << trial;
      out += piece;
    }
    out += a.flush();
    ASSERT_EQ(out, reference(text, stops)) << "trial " << trial;
    ASSERT_EQ(a.text(), out);
  }
}

TEST(Utf8, FlushReplacesAnUnfinishedCharacter) {
  TextAssembler a;
  EXPECT_EQ(a.update("ok\xE2\x9C"), "ok");
  EXPECT_EQ(a.flush(), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace robomlx::serve
