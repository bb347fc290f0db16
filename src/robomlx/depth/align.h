// SPDX-License-Identifier: Apache-2.0
// Align (librealsense rs2::align, src/proc/align.cpp and the x86 default src/proc/sse/sse-align.cpp).
//
// Not a ProcessingBlock: it consumes two frames. AlignTo::color re-projects Z16 depth into the other
// camera (output Z16 [Ho, Wo] with the other stream's intrinsics; nearest depth wins where several
// depth pixels land on one target pixel). AlignTo::depth re-samples the other image (RGB8/BGR8/
// RGBA8/BGRA8/Y8, [Ho, Wo(, C)] uint8) into the depth geometry (output [H, W(, C)], zero where
// depth is 0 or the pixel maps outside the image); no occlusion test, like librealsense.
//
// Two modes. The portable path is whole-image MLX ops (a scatter-min z-buffer for depth->other, a
// gather for other->depth); on CPU streams a host-loop twin gives the same output (core/dispatch.h,
// tag "depth.align").
//   AlignMode::sse (default) is librealsense's x86 default path (sse-align.cpp), which the golden
//     vectors come from: corners rounded with rint(p + 0.5); depth->other splats the box between the
//     two corners (clipped per pixel) when the depth stream has fewer pixels per degree than the
//     target (or 640x480->640x360, 640x240->320x180), else only the top-left corner's pixel;
//     other->depth copies ONE pixel: the top-left corner's, or the bottom-right one's when the other
//     image is smaller than depth in both dimensions; only modified Brown-Conrady target distortion
//     is modelled, in the SIMD code's form including its y-term bug (inverse Brown-Conrady maps to
//     it for other->depth only; other models: undistorted).
//   AlignMode::scalar is the portable reference of align.cpp: corners truncated with (int)(p + 0.5),
//     any box reaching outside the target skips the pixel, full projection model; other->depth takes
//     the box's last (bottom-right) pixel.
// Depth->other boxes are bounded by K x K target pixels, K = ceil(1.1 * max(fx_o/fx_d, fy_o/fy_d)) + 1:
// a depth pixel's footprint at constant depth spans about the focal ratio in target pixels (10 %
// margin for perspective and rotation), and rounding both corners adds at most one pixel. Larger
// boxes, which only extreme extrinsics produce, are cut at K.
#pragma once

#include <map>

#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

enum class AlignTo { color, depth };
enum class AlignMode { sse, scalar };

class Align {
 public:
  explicit Align(AlignTo to, AlignMode mode = AlignMode::sse) : to_(to), mode_(mode) {}
  /// depth: Z16 frame; other: the colour (or other) frame with its intrinsics; depth_to_other:
  /// extrinsics from the depth to the other stream. Runs on stream `s` (lazy).
  Frame process(const Frame& depth, const Frame& other, const Extrinsics& depth_to_other,
                mx::StreamOrDevice s = {}) const;
  AlignTo target() const { return to_; }

 private:
  /// Rays of the depth pixels' corners, kept per depth geometry (librealsense's pre_compute maps).
  struct Rays {
    Intrinsics geometry;
    mx::array x{0}, y{0};
  };
  const Rays& rays(const Intrinsics& depth, float offset, mx::Stream s) const;

  AlignTo to_;
  AlignMode mode_;
  mutable std::map<float, Rays> rays_;
};

}  // namespace robomlx::depth
