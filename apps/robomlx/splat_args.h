// SPDX-License-Identifier: Apache-2.0
// Option parsing shared by the `robomlx splat` commands.
#pragma once

#include <array>
#include <string>

namespace robomlx::cli {

/// "r,g,b" or "x,y,z": three comma-separated finite numbers; else the command fails with
/// "[tag] <option> must be 3 comma-separated finite numbers, got '<text>'" (exit 2).
std::array<double, 3> parse_triple(const char* tag, const std::string& text, const std::string& option);

}  // namespace robomlx::cli
