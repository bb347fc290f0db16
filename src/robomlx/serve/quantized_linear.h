// SPDX-License-Identifier: Apache-2.0
// y = x W^T for a weight in MLX's affine quantization (op "serve.quantized_linear"): what every
// projection of a GGUF model loaded by mx::load_gguf runs (Q4_0/Q4_1 as 4 bits, Q8_0 as 8 bits,
// group 32).
//
// Layout (mx::quantize's): w uint32 [N, K * bits / 32], element k of row n in word k * bits / 32
// at bit (k mod 32 / bits) * bits, little end first; scales and biases [N, K / group_size]
// (float16, bfloat16 or float32); W[n, k] = scales[n, g] * q + biases[n, g] with g = k / group_size.
// x [..., K] float32, float16 or bfloat16; returns [..., N] in x's dtype (computed in float32 on
// the CPU twin).
//
// Implementations: portable = mx::quantized_matmul (fast on CUDA and Metal; on MLX's CPU backend it
// runs about 1 GFLOP/s and scales linearly with the rows of x, which makes a 135M model decode at
// ~2 tok/s on 2 cores). cpu = a threaded Primitive: for up to 32 rows of x each group of W is
// unpacked once and dotted with every row (AVX2+FMA chosen at run time, plain loops elsewhere);
// for more rows (prefill) W is dequantized to float32 and mx::matmul (BLAS) does the product.
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::serve {

namespace mx = mlx::core;

/// Throws std::invalid_argument for shapes, dtypes, bits (4 or 8) or group_size (32, 64, 128)
/// that do not fit the layout above.
mx::array quantized_linear(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                           int group_size, int bits, mx::StreamOrDevice s = {});

}  // namespace robomlx::serve
