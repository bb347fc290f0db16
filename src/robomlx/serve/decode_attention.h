// SPDX-License-Identifier: Apache-2.0
// Attention of one new query per sequence against its cached keys (op "serve.decode_attention"): the
// decode step's attention, grouped-query (each key/value head serves heads / kv_heads query heads):
//   out[b, h] = sum_l softmax_l(scale * q[b, h] . k[b, h / g, l], masked) v[b, h / g, l],  g = H / Hkv,
// where mask[b, l] false drops column l (the left padding of a batched row). Scores, softmax and
// sums in float32 on the CPU twin.
//
// Implementations: portable = mx::fast::scaled_dot_product_attention (one kernel on CUDA and Metal;
// MLX 0.32 runs it on the CPU as a fallback graph of ~10 nodes: scale, two matmuls, softmax, mask).
// cpu = one Primitive reading the cache views in place (any strides), (b, h) pairs split across
// threads when there is enough work.
#pragma once

#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::serve {

namespace mx = mlx::core;

/// q [B, H, 1, D]; keys, values [B, Hkv, L, D] with H a multiple of Hkv, all of q's dtype (float32,
/// float16 or bfloat16); mask: nullopt (every column) or bool [B or 1, 1, 1, L] with at least one
/// true per row. Returns [B, H, 1, D] in q's dtype. Throws std::invalid_argument otherwise.
mx::array decode_attention(const mx::array& q, const mx::array& keys, const mx::array& values, float scale,
                           const std::optional<mx::array>& mask, mx::StreamOrDevice s = {});

}  // namespace robomlx::serve
