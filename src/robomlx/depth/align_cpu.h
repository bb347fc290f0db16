// SPDX-License-Identifier: Apache-2.0
// CPU twin of align's depth->other z-buffer splat (a custom Primitive with a host loop). The
// portable path scatters K x K candidate pixels per depth pixel through mx::scatter_min, which the
// CPU backend runs element by element (about 1 s for 1280x720 on this VM); the loop visits only
// each box's real pixels and has no K bound. Selected by choose_impl("depth.align") on CPU streams.
#pragma once

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

/// z: [H, W] uint16; x0, y0, x1, y1: [H, W] int32 target boxes (inclusive). Writes min non-zero z
/// into [ho, wo] uint16 (0 = nothing landed). skip_outside: drop a pixel whose box leaves the
/// target (librealsense's scalar align) instead of clipping it (its SSE align).
mx::array splat_min_cpu(const mx::array& z, const mx::array& x0, const mx::array& y0, const mx::array& x1,
                        const mx::array& y1, int ho, int wo, bool skip_outside);

}  // namespace robomlx::depth
