// SPDX-License-Identifier: Apache-2.0
// Progress: plain lines every ~10 % off a terminal, one redrawn bar on a terminal.
#include <algorithm>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "robomlx/core/progress.h"

namespace robomlx {
namespace {

std::string run(int terminal, long total, long min_total = 1) {
  std::ostringstream out;
  {
    Progress p("work", total, "steps", out, terminal, min_total);
    for (long i = 1; i <= total; ++i) p.update(i, "loss 1");
  }
  return out.str();
}

long count(const std::string& s, char c) { return static_cast<long>(std::count(s.begin(), s.end(), c)); }

TEST(Progress, OffATerminalPrintsAboutTenLinesWithoutCarriageReturns) {
  auto log = run(/*terminal=*/0, 1000);
  EXPECT_EQ(count(log, '\r'), 0);
  EXPECT_EQ(count(log, '\n'), 10) << log;  // 100, 200, ..., 1000
  EXPECT_NE(log.find("work: 1000/1000 steps (100 %)"), std::string::npos) << log;
  EXPECT_EQ(count(run(0, 3), '\n'), 3);  // fewer items than lines: one line each, the last once
  EXPECT_EQ(run(0, 1, /*min_total=*/2), "");  // a one-frame run prints no progress
}

TEST(Progress, OnATerminalRedrawsOneLine) {
  auto screen = run(/*terminal=*/1, 50);
  EXPECT_EQ(count(screen, '\r'), 50);
  EXPECT_EQ(count(screen, '\n'), 1);
  EXPECT_NE(screen.find("50/50 steps"), std::string::npos);
}

}  // namespace
}  // namespace robomlx
