// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/io/json_text.h"

#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/ply_detail.h"

namespace robomlx {

nlohmann::json parse_json_text(std::string_view text, const std::string& name) {
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw FormatError(name, "byte " + std::to_string(nul) + " is a NUL byte: JSON text holds none (binary data, or a "
                                                            "file cut and padded with zeros)");
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error; out_of_range for numbers beyond double
    throw FormatError(name, std::string("invalid JSON: ") + e.what());
  }
}

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = detail::read_file_bytes(path);
  return parse_json_text(text, path);
}

}  // namespace robomlx
