// SPDX-License-Identifier: Apache-2.0
// StopStringFilter against a plain reference: feed a text in every split into pieces and check the
// concatenated output equals "the text up to the first stop string" and that nothing is emitted
// that later turns out to be part of a stop string.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "robomlx/serve/stop_strings.h"

namespace robomlx::serve {
namespace {

// The reference: cut at the earliest occurrence of any stop string.
std::string cut(const std::string& text, const std::vector<std::string>& stops, bool* stopped) {
  std::size_t first = std::string::npos;
  for (const auto& s : stops)
    if (!s.empty()) first = std::min(first, text.find(s));
  *stopped = first != std::string::npos;
  return text.substr(0, first);
}

void check_all_splits(const std::string& text, const std::vector<std::string>& stops) {
  bool want_stop = false;
  const std::string want = cut(text, stops, &want_stop);
  // Every split into pieces of 1..3 bytes, by a fixed pattern, plus all single cut points.
  for (int pattern = 0; pattern < 27; ++pattern) {
    StopStringFilter f(stops);
    std::string got;
    std::size_t pos = 0;
    for (int i = 0; pos < text.size(); ++i) {
      int len = 1 + (pattern / (i % 3 == 0 ? 1 : i % 3 == 1 ? 3 : 9)) % 3;
      const std::string piece = text.substr(pos, len);
      pos += piece.size();
      const std::string out = f.push(piece);
      got += out;
      // Never emit past the reference's end.
      ASSERT_LE(got.size(), want.size()) << text;
      ASSERT_EQ(got, want.substr(0, got.size())) << text;
    }
    got += f.flush();
    EXPECT_EQ(got, want) << "pattern " << pattern << " text " << text;
    EXPECT_EQ(f.stopped(), want_stop);
  }
}

TEST(StopStrings, AcrossPieceBoundaries) {
  check_all_splits("Hello world. The end.", {"end"});
  check_all_splits("abcabcabd", {"abd"});
  check_all_splits("aaaaab", {"aab"});
  check_all_splits("no stop here", {"xyz", "qq"});
  check_all_splits("first STOP then\nSTOP", {"STOP", "\n"});
  check_all_splits("overlap: abab abc", {"abc", "babc"});
  check_all_splits("stop at start", {"stop"});
  check_all_splits("ends with a partial sto", {"stop"});
  check_all_splits("", {"x"});
}

TEST(StopStrings, HoldsBackUnfinishedUtf8) {
  StopStringFilter f;
  const std::string euro = "\xE2\x82\xAC";  // €
  EXPECT_EQ(f.push(euro.substr(0, 1)), "");
  EXPECT_EQ(f.push(euro.substr(1, 1)), "");
  EXPECT_EQ(f.push(euro.substr(2) + "x"), euro + "x");
  EXPECT_EQ(f.push("\xF0\x9F"), "");
  EXPECT_EQ(f.flush(), "\xEF\xBF\xBD\xEF\xBF\xBD");  // an unfinished character at the end: U+FFFD
}

TEST(StopStrings, MultibyteStopString) {
  check_all_splits("price: 5\xE2\x82\xAC and more", {"\xE2\x82\xAC"});
  StopStringFilter f({"</s>"});
  EXPECT_EQ(f.push("a</"), "a");
  EXPECT_EQ(f.push("s>b"), "");
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(f.matched(), "</s>");
  EXPECT_EQ(f.push("more"), "");
}

}  // namespace
}  // namespace robomlx::serve
