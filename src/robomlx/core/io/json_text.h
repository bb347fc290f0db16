// SPDX-License-Identifier: Apache-2.0
// JSON files users bring (configs, presets, golden case descriptions): the whole text is the
// document. nlohmann's lexer stops at the first NUL byte and treats it as the end of input, so
// `{"a": 1}\0garbage` would parse as `{"a": 1}`; this helper refuses NUL bytes first, then
// parses strictly (trailing text after the value is an error too).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace robomlx {

/// Parses `text` (called `name` in messages) as one JSON value. Throws FormatError(name,
/// "byte N is a NUL byte ...") or FormatError(name, "invalid JSON: <parser message>").
nlohmann::json parse_json_text(std::string_view text, const std::string& name);

/// Reads and parses a whole file (FormatError "cannot open file: <reason>" when unreadable).
nlohmann::json read_json_file(const std::string& path);

}  // namespace robomlx
