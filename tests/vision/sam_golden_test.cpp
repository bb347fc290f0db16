// SPDX-License-Identifier: Apache-2.0
// SAM against shared/golden/vision/sam: preprocessing of both images, the image encoder
// (windowed + global attention, relative positions, neck) from the stored padded pixels, and for
// all 7 prompts the sparse embeddings, mask logits, IoU scores, and the masks at the original
// size, with the golden README's tolerances. A missing golden file is a failure, never a skip.
#include <gtest/gtest.h>

#include "robomlx/vision/vision_golden.h"
#include "support.h"

namespace robomlx::vision {
namespace {

TEST(SamGolden, EveryCheckWithinTolerance) {
  const auto checks = run_sam_golden_checks(test::shared_dir() + "/golden/vision/sam");
  // 2 images x (preprocessing + embeddings) + 7 prompts x (sparse, logits, iou) + 1 original-size mask.
  ASSERT_EQ(checks.size(), 26u);
  for (const auto& c : checks) {
    EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
    std::printf("[sam golden] %-40s %s\n", c.name.c_str(), c.detail.c_str());
  }
}

}  // namespace
}  // namespace robomlx::vision
