// SPDX-License-Identifier: Apache-2.0
// Format conversions (librealsense src/proc/color-formats-converter.cpp, y8i-to-y8y8.cpp,
// y12i-to-y16y16.cpp).
//
// YUY2 (Y0 U Y1 V) and UYVY (U Y0 V Y1) input: [H, 2W] uint8 raw byte rows (or [H, W, 2]), W even.
// Output [H, W, 3] RGB8/BGR8, [H, W, 4] RGBA8/BGRA8 (alpha 255) or [H, W] Y8, uint8. Colour uses
// librealsense's integer BT.601 limited-range formula in the 16-bit fixed-point form of its SSSE3
// path (the x86 default, which the golden vectors were produced with), c = Y-16, d = U-128, e = V-128:
//   R = clamp((298c >> 8) + (409e >> 8)), G = clamp((298c >> 8) - (100d >> 8) - (208e >> 8)),
//   B = clamp((298c >> 8) + (516d >> 8))   (arithmetic shifts, i.e. each term floored; no +128)
// which is what _mm_mulhi_epi16((x - o) << 4, k << 4) computes. Y8 is the luma byte unchanged.
// Portable MLX ops only (no twins).
#pragma once

#include <utility>

#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

enum class PackedYuv { yuy2, uyvy };

/// YUY2/UYVY -> rgb8, bgr8, rgba8, bgra8 or y8 (other targets throw). Bit-exact with librealsense's
/// SSSE3 x86 converter.
mx::array convert_yuv(const mx::array& packed, PackedYuv layout, FrameFormat target, mx::StreamOrDevice s = {});

/// The plain scalar BT.601 formula of librealsense's non-SIMD path (may differ by 1 LSB from the
/// SSSE3 form): R = clamp((298c + 409e + 128) >> 8) etc. Same shapes as convert_yuv.
mx::array convert_yuv_scalar(const mx::array& packed, PackedYuv layout, FrameFormat target,
                             mx::StreamOrDevice s = {});

/// Y8I [H, W, 2] uint8 (or [H, 2W]) interleaved left/right -> {left [H, W], right [H, W]} uint8.
std::pair<mx::array, mx::array> split_y8i(const mx::array& y8i, mx::StreamOrDevice s = {});

/// Y12I: [H, W, 3] uint8 (or [H, 3W]) per pixel bytes b0 b1 b2 with right = (b1 & 15) << 8 | b0,
/// left = b2 << 4 | b1 >> 4 -> {left, right} [H, W] uint16 = uint16(v << 6 | v >> 4), librealsense's
/// 10-bit-to-16-bit scaling (it assumes 10-bit samples; larger ones wrap like the C code).
std::pair<mx::array, mx::array> split_y12i(const mx::array& y12i, mx::StreamOrDevice s = {});

}  // namespace robomlx::depth
