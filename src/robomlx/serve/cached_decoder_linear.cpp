// SPDX-License-Identifier: Apache-2.0
// Quantized linear layers and load-time evaluation shared by the decoder models.
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"
#include "robomlx/serve/quantized_linear.h"

namespace robomlx::serve {

mx::array DecoderLinear::apply(const mx::array& x, mx::StreamOrDevice s) const {
  if (bits == 0) return mx::matmul(x, mx::transpose(mx::astype(w, x.dtype(), s), s), s);
  return quantized_linear(x, w, *scales, *biases, DecoderLinear::kGroup, bits, s);
}

mx::array DecoderLinear::rows(const mx::array& ids, mx::Dtype dtype, mx::StreamOrDevice s) const {
  if (bits == 0) return mx::astype(mx::take(w, ids, 0, s), dtype, s);
  return mx::dequantize(mx::take(w, ids, 0, s), mx::take(*scales, ids, 0, s),
                        biases ? std::optional<mx::array>(mx::take(*biases, ids, 0, s)) : std::nullopt, DecoderLinear::kGroup, bits,
                        "affine", std::nullopt, dtype, s);
}

void LoadedArrays::weight(const mx::array& a) {
  all.push_back(a);
  bytes += static_cast<std::int64_t>(a.nbytes());
}

void LoadedArrays::linear(const DecoderLinear& q) {
  weight(q.w);
  if (q.scales) weight(*q.scales);
  if (q.biases) weight(*q.biases);
}

void LoadedArrays::tables(const std::optional<RopeTables>& t) {
  if (t) all.insert(all.end(), {t->cos, t->sin, t->swap});
}

void LoadedArrays::eval() const { mx::eval(all); }

}  // namespace robomlx::serve
