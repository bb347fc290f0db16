// SPDX-License-Identifier: Apache-2.0
// PNG decoder: any input either decodes to a consistent Image or throws FormatError.
#include <cstdint>
#include <cstdlib>

#include "robomlx/core/error.h"
#include "robomlx/core/io/png.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    robomlx::Image im = robomlx::decode_png(data, size, "fuzz.png");
    if (im.bytes.size() != im.num_samples() * im.sample_size()) std::abort();
    if (im.channels < 1 || im.channels > 4) std::abort();
  } catch (const robomlx::FormatError&) {
  }
  return 0;
}
