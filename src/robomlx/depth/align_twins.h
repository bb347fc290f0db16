// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind Align::process() (align.h). Arguments are validated by the
// caller. Both paths use the same float32 operations in the same order (no FMA contraction) and
// the same rounding (nearbyint for the SSE mode's _mm_cvtps_epi32, truncation for scalar), so
// results are identical. The CPU twin supports targets whose projection the chosen mode treats as a
// pinhole: every model in SSE mode except (modified/inverse) Brown-Conrady with non-zero
// coefficients; in scalar mode none or the Brown-Conrady family with all-zero coefficients. No
// CUDA twin yet (the portable path runs on GPUs).
#pragma once

#include <cstdint>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/align.h"
#include "robomlx/depth/camera_planes_internal.h"
#include "robomlx/depth/cpu_isa_internal.h"
#include "robomlx/depth/frame.h"

namespace robomlx::depth::detail {

/// MLX ops only (any device, every model): ~40 whole-image ops plus a scatter-min z-buffer
/// (depth->other) or a gather (other->depth). tl / br: rays of the depth pixels' (-0.5, -0.5) and
/// (+0.5, +0.5) corners; use_br: the depth->other box reaches the bottom-right corner. Returns the
/// output frame's data (see align.h).
mx::array align_portable(const Frame& depth, const Frame& other, const Extrinsics& depth_to_other, AlignTo to,
                         AlignMode mode, bool use_br, const PlanesXY& tl, const PlanesXY& br, mx::Stream s);

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

/// The projection of one depth pixel's corner into the other stream (align.cpp's corner() for a
/// pinhole target): rotation r (column-major, as Extrinsics), translation t, other intrinsics,
/// depth units; round: SSE mode (+0.5 then round half to even), else truncation.
struct AlignProjection {
  float r[9] = {}, t[3] = {}, fx = 0, fy = 0, ppx = 0, ppy = 0, units = 0.001f;
  bool round = true;
};

/// Target pixels (ox, oy) of n depth pixels raw with corner rays (rx, ry); zero-depth pixels get
/// unspecified values. The scalar loop (generic), 4 lanes (sse2) or 8 (avx2) all give the same
/// integers (tests compare them); isa is lowered to what the CPU runs.
void align_project_row(const std::uint16_t* raw, const float* rx, const float* ry, int n, const AlignProjection& q,
                       int* ox, int* oy, CpuIsa isa);

/// A custom Primitive, one host pass per depth row: corner projection (align_project_row), then the
/// z-buffer splat (depth->other) or the pixel copy (other->depth), rows split over threads (see
/// align_cpu.cpp for how the z-buffer stays exact); the portable scatter-min runs element by element on MLX's CPU
/// backend (over 1 s for 1280x720 on this VM). depth [H, W] uint16; corner rays [H, W] float32
/// each; other: uint8 [Ho, Wo, C] (ignored for depth->other). Returns [Ho, Wo] uint16
/// (depth->other) or [H, W, C] uint8 (other->depth). CPU streams.
mx::array align_cpu(const mx::array& depth, const mx::array& tl_x, const mx::array& tl_y, const mx::array& br_x,
                    const mx::array& br_y, const mx::array& other, const AlignCpuParams& params, mx::Stream s);

}  // namespace robomlx::depth::detail
