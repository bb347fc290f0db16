// SPDX-License-Identifier: Apache-2.0
// The `splat` bench suite's parts (splat_bench.cpp: the blend stage; rasterize_bench.cpp: the
// whole rasterizer on real scenes).
#pragma once

#include "robomlx/core/bench.h"

namespace robomlx::splat {

/// The whole rasterizer (project + bin + blend), forward and forward+backward: the donut at
/// 640x480 (auto and portable), and garden scenes of 112k / 1.0M / 2.8M Gaussians at 1920x1080,
/// SH 3 (112k on a CPU, all three on a GPU). Scenes come from shared/data/splat.
void rasterize_cases(BenchContext& ctx);

}  // namespace robomlx::splat
