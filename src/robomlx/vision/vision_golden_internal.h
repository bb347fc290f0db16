// SPDX-License-Identifier: Apache-2.0
// Private: the comparisons behind vision_golden.h's tolerance rules, on host copies of arrays.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>

#include "robomlx/vision/vision_golden.h"

namespace robomlx::vision::detail {

namespace mx = mlx::core;

/// Values of `a` as float64 (evaluates it; any dtype).
std::vector<double> host_values(const mx::array& a);

VisionCheck check_exact(const std::string& name, const mx::array& actual, const mx::array& expected);
VisionCheck check_preprocessing(const std::string& name, const mx::array& actual, const mx::array& expected);
VisionCheck check_embedding(const std::string& name, const mx::array& actual, const mx::array& expected);
/// `valid` (optional) broadcasts over the trailing axes of actual: 1 keeps an element.
VisionCheck check_hidden(const std::string& name, const mx::array& actual, const mx::array& expected,
                         const std::optional<std::vector<double>>& valid = std::nullopt);
VisionCheck check_max_abs(const std::string& name, const mx::array& actual, const mx::array& expected, double tol);
/// IoU of (actual > 0) and (expected > 0) over the last two axes, worst mask; empty pairs count 1.
VisionCheck check_mask_iou(const std::string& name, const mx::array& actual, const mx::array& expected, double min_iou);
/// A failed check that records why it could not run.
VisionCheck check_failed(const std::string& name, const std::string& why);

}  // namespace robomlx::vision::detail
