// SPDX-License-Identifier: Apache-2.0
// SAM's automatic mask generator, as segment_anything's SamAutomaticMaskGenerator with one crop
// layer (the whole image): a regular grid of single foreground points ((i + 0.5) / n of the
// image), three masks per point, kept when the predicted IoU exceeds pred_iou_thresh and the
// stability score |logits > t + offset| / |logits > t - offset| (at the original size) reaches
// stability_score_thresh, then greedy NMS on the masks' boxes (IoU > box_nms_thresh suppressed,
// highest predicted IoU first). Not reproduced: multi-crop layers and small-region clean-up
// (segment_anything's defaults leave both off as well).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <mlx/utils.h>

#include "robomlx/core/image.h"
#include "robomlx/vision/sam_image_preprocess.h"
#include "robomlx/vision/sam_model.h"

namespace robomlx::vision {

struct SamAutoMaskOptions {
  int points_per_side = 32;            // [1, 256]
  int points_per_batch = 64;           // prompts decoded together: bounds memory
  float pred_iou_thresh = 0.88f;       // [0, 1]... the head's raw output, may exceed 1
  float stability_score_thresh = 0.95f;
  float stability_score_offset = 1.0f;
  float box_nms_thresh = 0.7f;         // [0, 1]
  float mask_threshold = 0.0f;
  /// std::invalid_argument "[vision.automask] <field> must be ..., got ..." for values out of range.
  void validate() const;
};

struct SamAutoMask {
  std::vector<std::uint8_t> mask;      // original size, row major, 0 / 1
  int width = 0, height = 0;
  long long area = 0;
  std::array<int, 4> bbox{};           // x, y, w, h (segment_anything's XYWH: w = x_max - x_min)
  float predicted_iou = 0, stability_score = 0;
  std::array<float, 2> point{};        // the grid point, original pixels
};

/// Masks of `rgb` (RGB uint8), best first.
std::vector<SamAutoMask> sam_generate_masks(const SamModel& model, const SamImageSettings& settings, const Image& rgb,
                                            const SamAutoMaskOptions& options = {}, mx::StreamOrDevice s = {});

/// IoU of two XYXY boxes (as torchvision.ops.box_iou: areas without +1).
float box_iou_xyxy(const std::array<int, 4>& a, const std::array<int, 4>& b);

}  // namespace robomlx::vision
