// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind decode_attention (decode_attention.h). Arguments are
// validated by the caller.
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::serve::detail {

namespace mx = mlx::core;

/// mx::fast::scaled_dot_product_attention (mask as an "array" mask).
mx::array decode_attention_portable(const mx::array& q, const mx::array& keys, const mx::array& values, float scale,
                                    const std::optional<mx::array>& mask, mx::Stream s);
/// CPU streams: one Primitive.
mx::array decode_attention_cpu(const mx::array& q, const mx::array& keys, const mx::array& values, float scale,
                               const std::optional<mx::array>& mask, mx::Stream s);

}  // namespace robomlx::serve::detail
