// SPDX-License-Identifier: Apache-2.0
// Private to the golden runner: the case.json schema check (golden_schema.cpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace robomlx::depth {

/// Checks every field the runner reads (types, finite numbers, sizes) before a case runs, so a
/// malformed case.json is one FormatError(file, "field 'inputs[0].width' must be ...").
void check_golden_case(const nlohmann::json& c, const std::string& file);

}  // namespace robomlx::depth
