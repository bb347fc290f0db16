// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind quantized_linear (quantized_linear.h). Arguments are
// validated by the caller.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

namespace robomlx::serve::detail {

namespace mx = mlx::core;

/// mx::quantized_matmul(x, w, scales, biases, transpose = true, group_size, bits).
mx::array quantized_linear_portable(const mx::array& x, const mx::array& w, const mx::array& scales,
                                    const mx::array& biases, int group_size, int bits, mx::Stream s);

/// CPU streams: the Primitive for up to kQuantizedGemvRows rows of x, dequantize + matmul beyond.
/// The result is float32 before the cast back to x's dtype.
inline constexpr int kQuantizedGemvRows = 32;  // a decode batch of up to 32 sequences
mx::array quantized_linear_cpu(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                               int group_size, int bits, mx::Stream s);
/// W as float32 [N, K] (the CPU twin's dequantization, also a Primitive).
mx::array quantized_dequantize_cpu(const mx::array& w, const mx::array& scales, const mx::array& biases, int group_size,
                                   int bits, mx::Stream s);

}  // namespace robomlx::serve::detail
