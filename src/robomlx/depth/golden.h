// SPDX-License-Identifier: Apache-2.0
// Golden parity runner for shared/golden/realsense (librealsense 2.56.5 outputs; see its README).
//
// A case folder holds case.json naming the librealsense block, the options set in order, the input
// frames (PGM Z16, PPM RGB8, raw .f32, YUYV bytes as PGM) and the expected outputs. Integer outputs
// (Z16, RGB8) must match exactly; float outputs within a per-kind tolerance (golden.cpp states why).
// Sequences are fed in order to one block instance; the "chain" case runs one instance per stage.
#pragma once

#include <string>

#include <mlx/utils.h>

#include "robomlx/core/testing.h"

namespace robomlx::depth {

/// Runs one case; passed = every output matched. detail: "exact, 76800 px" / "max err 2e-06 <=
/// 1e-05" / "1234 px differ, first at (y,x)...". A block this build lacks fails with
/// "block 'spatial' not available in this build". Malformed case files throw FormatError.
/// Every op runs on stream `s` (and the implementation that stream's device and any forcing pick).
GoldenCaseResult run_depth_golden_case(const std::string& case_dir, mx::StreamOrDevice s = {});

/// The chain name of a case's block ("decimation", "spatial", "pointcloud", "align", "yuy2", or
/// "chain"), and whether this build can run it (every stage for the chain).
std::string golden_case_block(const std::string& case_dir);
bool golden_block_available(const std::string& block);

}  // namespace robomlx::depth
