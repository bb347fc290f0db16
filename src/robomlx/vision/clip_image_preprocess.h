// SPDX-License-Identifier: Apache-2.0
// CLIP's image preprocessing, as `CLIPImageProcessor` (transformers, torchvision backend) does it:
// RGB uint8 in (vision_image.h: alpha onto white, grey replicated), resize so the short side is
// `shortest_edge` (long side int(edge * long / short), antialiased bicubic on uint8), centre crop
// (top = int((h - crop_h) / 2), left likewise), scale by `rescale_factor`, normalise by mean / std.
// Output: float32 [crop_h, crop_w, 3], HWC (MLX's convolutions are NHWC; Hugging Face returns
// NCHW `pixel_values`: the same numbers transposed).
#pragma once

#include <array>
#include <string>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "robomlx/core/image.h"
#include "robomlx/vision/image_resample.h"

namespace robomlx::vision {

struct ClipImageSettings {
  bool do_resize = true;
  int shortest_edge = 224;
  ResampleFilter resample = ResampleFilter::bicubic;  // PIL id 3 (bicubic) or 2 (bilinear)
  bool do_center_crop = true;
  int crop_height = 224, crop_width = 224;
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};

  /// From `folder`/preprocessor_config.json (both the dict and the older integer forms of size
  /// and crop_size). A field robomlx does not implement is refused by name (FormatError
  /// "[vision.preprocess] ..."); a missing file gives the defaults above (openai/clip-vit-*).
  static ClipImageSettings read(const std::string& folder);
};

/// `rgb` (uint8 [H, W, 3], e.g. from read_vision_image) preprocessed to float32 [h, w, 3].
mx::array clip_preprocess_image(const Image& rgb, const ClipImageSettings& settings, mx::StreamOrDevice s = {});

}  // namespace robomlx::vision
