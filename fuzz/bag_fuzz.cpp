// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the .bag reader: container scan, chunk codecs and message decoders.
// Any input may be rejected with FormatError; nothing else may escape, crash or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/depth/recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    robomlx::depth::parse_recording(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.bag");
  } catch (const robomlx::FormatError&) {
  }
  return 0;
}
