// SPDX-License-Identifier: Apache-2.0
// Open-vocabulary segmentation (OVerSeeC-style): SAM proposes masks (sam_auto_masks.h), CLIP
// names each one. A region's CLIP input is its bounding-box crop with the pixels outside the
// mask set to CLIP's mean colour (they normalise to ~0, so the background of the box does not
// vote), padded to a square with that colour (thin regions are not stretched by the short-side
// resize); texts are the prompts in `prompt_template` ("a photo of a {}."). Each region gets the
// softmax over the prompts of CLIP's logits and the best prompt as its label.
#pragma once

#include <string>
#include <vector>

#include "robomlx/core/image.h"
#include "robomlx/vision/clip_model.h"
#include "robomlx/vision/sam_auto_masks.h"

namespace robomlx::vision {

struct SegmentOptions {
  SamAutoMaskOptions masks;
  std::string prompt_template = "a photo of a {}.";  // "{}" is replaced by each prompt
  int max_segments = 64;                             // the best-scored SAM masks kept, [1, 4096]
  void validate() const;
};

struct LabelledSegment {
  SamAutoMask region;
  int label = -1;                    // index into the prompts
  float score = 0;                   // probability of that label
  std::vector<float> probabilities;  // one per prompt, summing to 1
};

/// Prompts must be non-empty strings, at least one (std::invalid_argument "[vision.segment] ...").
std::vector<LabelledSegment> segment_open_vocabulary(const ClipModel& clip, const SamModel& sam, const SamImageSettings& sam_settings,
                                                     const Image& rgb, const std::vector<std::string>& prompts,
                                                     const SegmentOptions& options = {}, mx::StreamOrDevice s = {});

/// `rgb` with each segment's mask tinted by its label's colour (half opacity), best on top.
Image segment_overlay(const Image& rgb, const std::vector<LabelledSegment>& segments);

/// A distinct RGB colour per label index.
std::array<std::uint8_t, 3> label_colour(int label);

}  // namespace robomlx::vision
