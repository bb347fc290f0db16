// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the .bag reader: container scan, chunk codecs and message decoders.
// Any input may be rejected with FormatError; nothing else may escape, crash or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/depth/recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    robomlx::depth::parse_recording(bytes, "fuzz.bag");
  } catch (const robomlx::FormatError&) {
  }
  try {  // the streaming reader behind `depth process` routes the same messages differently
    robomlx::depth::stream_recording(bytes, "fuzz.bag", [](const auto&...) {});
  } catch (const robomlx::FormatError&) {
  }
  return 0;
}
