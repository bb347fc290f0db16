// SPDX-License-Identifier: Apache-2.0
// CLIP against shared/golden/vision/clip: token ids (exact), preprocessing, and every stored
// intermediate of both towers with the golden README's tolerances (vision_golden.h lists them).
// A missing golden file is a failure, never a skip.
#include <gtest/gtest.h>

#include "robomlx/vision/vision_golden.h"
#include "support.h"

namespace robomlx::vision {
namespace {

std::string clip_case() { return test::shared_dir() + "/golden/vision/clip"; }

TEST(ClipGolden, EveryCheckWithinTolerance) {
  const auto checks = run_clip_golden_checks(clip_case());
  ASSERT_EQ(checks.size(), 21u);  // 2 token files, 1 tokenizer check, 2 preprocessing, 12 model outputs, 4 pooled-row-only outputs
  for (const auto& c : checks) {
    EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
    std::printf("[clip golden] %-45s %s\n", c.name.c_str(), c.detail.c_str());
  }
}

TEST(ClipGolden, CaseRunnerPasses) {
  const auto r = run_vision_golden_case(clip_case());
  EXPECT_TRUE(r.passed) << r.detail;
  EXPECT_EQ(r.name, "clip");
}

}  // namespace
}  // namespace robomlx::vision
