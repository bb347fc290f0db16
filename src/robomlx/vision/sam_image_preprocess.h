// SPDX-License-Identifier: Apache-2.0
// SAM's image pre- and post-processing, as `SamImageProcessor` / `SamProcessor` (transformers,
// torchvision backend) do it:
//   pre:  RGB uint8 (vision_image.h) -> longest side to 1024 (scale = 1024 / max(h, w),
//         new = int(old * scale + 0.5), antialiased bilinear on uint8) -> x / 255 -> normalise ->
//         zero-pad bottom / right to 1024 x 1024 (after normalising, so padding is exactly 0);
//   prompts: original pixels -> resized frame (x * new_w / old_w, y * new_h / old_h);
//   post: low-res logits [.., 256, 256] -> bilinear (align_corners=False, no antialias) to
//         1024 x 1024 -> crop the resized area -> bilinear to the original size (logits; > 0 is
//         the mask).
#pragma once

#include <array>
#include <string>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/core/image.h"
#include "robomlx/vision/image_resample.h"

namespace robomlx::vision {

struct SamImageSettings {
  int longest_edge = 1024;
  ResampleFilter resample = ResampleFilter::bilinear;
  int pad_height = 1024, pad_width = 1024;
  double rescale_factor = 1.0 / 255.0;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  /// From `folder`/preprocessor_config.json (defaults when absent); fields robomlx does not
  /// implement are refused by name (FormatError "[vision.preprocess] ...").
  static SamImageSettings read(const std::string& folder);
};

struct SamImageInput {
  mx::array pixel_values{0.0f};  // float32 [pad_h, pad_w, 3]
  int original_height = 0, original_width = 0, resized_height = 0, resized_width = 0;
};

SamImageInput sam_preprocess_image(const Image& rgb, const SamImageSettings& settings, mx::StreamOrDevice s = {});

/// Low-res mask logits [..., m, m] -> logits at the original size [..., H, W] (see above).
mx::array sam_upscale_masks(const mx::array& low_res, const SamImageInput& input, int image_size = 1024, mx::StreamOrDevice s = {});

// no stream: a host table. Bilinear weights [out, in] of F.interpolate(align_corners=False).
mx::array bilinear_weights(int in_size, int out_size);

}  // namespace robomlx::vision
