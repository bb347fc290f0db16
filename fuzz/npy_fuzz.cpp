// SPDX-License-Identifier: Apache-2.0
// NPY decoder: any input either decodes or throws FormatError; a decoded array re-encodes and
// decodes back equal (NaNs compare equal).
#include <cstdint>
#include <cstdlib>

#include <mlx/ops.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mx = mlx::core;
  try {
    mx::array a = robomlx::decode_npy(data, size, "fuzz.npy");
    if (a.size() > 65536) return 0;
    std::string again = robomlx::encode_npy(a);
    mx::array b = robomlx::decode_npy(again.data(), again.size(), "re.npy");
    if (a.shape() != b.shape() || a.dtype() != b.dtype()) std::abort();
    bool nan_ok = mx::issubdtype(a.dtype(), mx::floating);
    if (!mx::array_equal(a, b, nan_ok, mx::Device::cpu).item<bool>()) std::abort();
  } catch (const robomlx::FormatError&) {
  }
  return 0;
}
