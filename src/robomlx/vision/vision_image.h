// SPDX-License-Identifier: Apache-2.0
// Images for the vision models: PNG or JPEG files decoded to 8-bit RGB, as Hugging Face's image
// processors see them after `convert_rgb`:
// - RGB stays; grey (and grey+alpha) is replicated to three channels;
// - an alpha channel is composited onto white with Pillow's integer `alpha_composite` arithmetic;
// - 16-bit PNG samples keep their high byte (what Pillow's 16-to-8-bit unpacking keeps).
// Size rules: the pixels cap of the input policy (checked from the header before decoding) and a
// minimum of 8x8 (smaller images cannot be resampled to a model's input meaningfully).
// Errors: FormatError "[vision.image] <file>: <what>" (InputLimitError for the cap).
#pragma once

#include <string>

#include "robomlx/core/image.h"

namespace robomlx::vision {

inline constexpr int kMinImageSide = 8;

/// Decodes `path` (PNG or JPEG, by content) to RGB uint8 [H, W, 3].
Image read_vision_image(const std::string& path);

/// `image` (uint8 or uint16; 1 to 4 channels) as RGB uint8, by the rules above; `name` is used in
/// messages. Throws FormatError for other channel counts or dtypes and for images below 8x8.
Image vision_rgb8(const Image& image, const std::string& name);

}  // namespace robomlx::vision
