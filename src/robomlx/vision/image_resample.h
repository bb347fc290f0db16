// SPDX-License-Identifier: Apache-2.0
// Antialiased resampling of 8-bit images, as Pillow's `Image.resize` and torchvision's uint8
// `resize(antialias=True)` do it (the resamplers behind Hugging Face's CLIP and SAM processors):
// separable, horizontal pass first, each output sample a normalised weighted sum of the input
// samples whose centres lie within the filter's support around (i + 0.5) * in / out, the support
// widened by in / out when shrinking (that is the antialiasing), each pass rounded to uint8.
// Filters: bicubic (a = -0.5, support 2) and bilinear (triangle, support 1).
// Both passes are matmuls with a weight matrix built on the host, so they run wherever the
// stream's device is. Pillow rounds with fixed-point weights (22 fraction bits) and torchvision
// with 16-bit ones; this path rounds float32 sums, so a sample lying almost exactly on .5 may
// land one level away from either (the golden README measures that spread).
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

namespace robomlx::vision {

namespace mx = mlx::core;

enum class ResampleFilter { bilinear, bicubic };

/// `image` uint8 [H, W, C] resized to [out_height, out_width, C] uint8. Sizes must be >= 1;
/// std::invalid_argument "[vision.resample] ..." otherwise.
mx::array resample_image_u8(const mx::array& image, int out_height, int out_width, ResampleFilter filter,
                            mx::StreamOrDevice s = {});

// no stream: a host table (the weights of one pass: [out, in] float32, rows summing to 1).
mx::array resample_weights(int in_size, int out_size, ResampleFilter filter);

}  // namespace robomlx::vision
