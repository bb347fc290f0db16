// SPDX-License-Identifier: Apache-2.0
// `robomlx vision golden`: the CLIP and SAM cases of shared/golden/vision checked with the
// tolerances of that folder's README, one named check per reference file:
//   exact          bit-exact (token ids, attention mask)
//   preprocessing  max |a - e| <= 0.05 and mean |a - e| <= 0.005
//   embedding      max |a - e| <= 1e-4 * max |e|
//   hidden         |a - e| <= 1e-3 + 1e-4 |e| elementwise (text: only where attention_mask is 1)
//   mask logits    max |a - e| <= 1e-3 and IoU(a > 0, e > 0) >= 0.99 per mask
//   iou            max |a - e| <= 1e-3;  mask IoU  >= 0.99 per mask
// Model stages are fed the stored inputs (input_ids.npy, pixel_values.npy, ...); tokenisation and
// preprocessing are checked separately against their own files, as the README asks.
#pragma once

#include <string>
#include <vector>

#include "robomlx/core/testing.h"

namespace robomlx::vision {

struct VisionCheck {
  std::string name;       // "text_pooler_output.npy"
  bool ok = false;
  double error = 0;       // the measure the rule bounds (max abs error, 1 - IoU, mismatches)
  double tolerance = 0;   // its bound
  std::string detail;     // what was measured, in words
};

// no stream: reads a case folder and runs on the default device.
/// Every check of the CLIP case folder `case_dir` (shared/golden/vision/clip).
std::vector<VisionCheck> run_clip_golden_checks(const std::string& case_dir);
// no stream: reads a case folder and runs on the default device.
/// Every check of the SAM case folder (shared/golden/vision/sam).
std::vector<VisionCheck> run_sam_golden_checks(const std::string& case_dir);

/// One case folder (by its case.json "case": "clip" or "sam") as one PASS / FAIL line.
GoldenCaseResult run_vision_golden_case(const std::string& case_dir);

}  // namespace robomlx::vision
