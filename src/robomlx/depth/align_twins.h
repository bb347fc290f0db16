// SPDX-License-Identifier: Apache-2.0
// CPU twin of align (a custom Primitive, one host pass): corner projection, then the z-buffer
// splat (depth->other) or the pixel copy (other->depth). The portable path runs ~40 whole-image
// ops plus a scatter-min that MLX's CPU backend executes element by element (over 1 s for 1280x720
// on this VM). Same float32 operations in the same order (no FMA contraction) and the same
// rounding (nearbyint for the SSE mode's _mm_cvtps_epi32, truncation for scalar), so results equal
// the portable path. Supports targets whose projection the chosen mode treats as a pinhole: every
// model in SSE mode except (modified/inverse) Brown-Conrady with non-zero coefficients; in scalar
// mode none or the Brown-Conrady family with all-zero coefficients. choose_impl tag "depth.align".
#pragma once

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct AlignCpuParams {
  bool to_other = true;   // depth->other z-buffer (true) or other->depth copy (false)
  bool sse = true;        // rounding and box rules of librealsense's SSE path, else its scalar path
  bool use_br = true;     // depth->other: splat the box to the bottom-right corner (else one pixel)
  bool source_br = false; // other->depth SSE: copy the bottom-right corner's pixel (else top-left)
  float units = 0.001f;
  Extrinsics extrinsics;
  float fx = 0, fy = 0, ppx = 0, ppy = 0;
  int width = 0, height = 0;  // the other stream
};

/// depth [H, W] uint16; rays of the (-0.5, -0.5) and (+0.5, +0.5) corners, [H, W] float32 each;
/// other: uint8 [Ho, Wo, C] (ignored for depth->other). Returns [Ho, Wo] uint16 (depth->other) or
/// [H, W, C] uint8 (other->depth).
mx::array align_cpu(const mx::array& depth, const mx::array& tl_x, const mx::array& tl_y, const mx::array& br_x,
                    const mx::array& br_y, const mx::array& other, const AlignCpuParams& params);

}  // namespace robomlx::depth
