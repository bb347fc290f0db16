// SPDX-License-Identifier: Apache-2.0
// Internal: small constant arrays for fast::cuda_kernel twins, made once per distinct content.
// A host-made array lives in CUDA managed memory; making one per frame costs a page migration on
// every launch (tens of microseconds). Cached, it migrates once and stays on the device.
#pragma once

#include <cstdint>
#include <vector>

#include <mlx/array.h>

namespace robomlx::depth::detail {

namespace mx = mlx::core;

/// [values.size()] float32 with these values (compared bit for bit), reused across calls.
mx::array cached_floats(const std::vector<float>& values);
/// [bytes.size()] uint8 with these bytes, reused across calls.
mx::array cached_bytes(const std::vector<std::uint8_t>& bytes);

/// [values.size()] int32 with these values, reused across calls.
mx::array cached_ints(const std::vector<std::int32_t>& values);

/// Float bit pattern as an int (for template constants; non-negative for floats >= +0).
int float_bits(float v);

}  // namespace robomlx::depth::detail
