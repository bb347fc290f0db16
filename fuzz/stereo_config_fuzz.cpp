// SPDX-License-Identifier: Apache-2.0
// Stereo JSON config: any input either gives a config that validates and survives a JSON round
// trip unchanged, or throws FormatError (never another exception, never a crash).
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/stereo/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = robomlx::stereo::parse_config(text, "fuzz.json");
    config.validate();
    const auto json = robomlx::stereo::config_to_json(config);
    if (robomlx::stereo::config_to_json(robomlx::stereo::config_from_json(json, "round-trip")) != json) std::abort();
  } catch (const robomlx::FormatError&) {
  }
  return 0;
}
