// SPDX-License-Identifier: Apache-2.0
// Golden parity runner for shared/golden/splat (graphdeco's diff-gaussian-rasterization outputs;
// see its README). Each case renders one camera of a scene and back-propagates
// loss = sum(image * w), w[c, y, x] = ((7x + 13y + 29c) mod 17) / 16.
// A case passes at image PSNR >= 50 dB (peak 1), radii equal except on rounding boundaries (at most
// 1 px apart, at most max(3, N / 1000) of them) and every gradient's cosine >= 0.999.
#pragma once

#include <string>

#include <mlx/utils.h>

#include "robomlx/core/testing.h"
#include "robomlx/splat/rasterize.h"

namespace robomlx::splat {

struct SplatGoldenMetrics {
  double psnr_db = 0;
  long long radii_mismatches = 0, radii_far = 0;  // differ at all / by more than 1 px
  double cos_means3d = 0, cos_scales = 0, cos_rotations = 0, cos_opacities = 0, cos_shs = 0, cos_means2d = 0;
  std::int64_t num_rendered = 0;
  long long gaussians = 0;
};

/// The case's camera and settings (case.json), FormatError "[splat.golden] <file>: ..." if malformed.
RasterSettings read_golden_settings(const std::string& case_dir);

/// Runs one case on stream `s` (and whichever implementation dispatch picks there).
SplatGoldenMetrics measure_splat_golden_case(const std::string& case_dir, mx::StreamOrDevice s = {});
GoldenCaseResult run_splat_golden_case(const std::string& case_dir, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
