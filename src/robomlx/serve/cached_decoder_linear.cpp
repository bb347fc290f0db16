// SPDX-License-Identifier: Apache-2.0
// Quantized linear layers and load-time evaluation shared by the decoder models.
#include <algorithm>

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

namespace {
bool same_kind(const DecoderLinear& a, const DecoderLinear& b) {
  if (a.bits != b.bits || a.w.dtype() != b.w.dtype() || a.w.shape(1) != b.w.shape(1)) return false;
  if (a.bits == 0) return true;
  return a.scales->dtype() == b.scales->dtype() && a.biases->dtype() == b.biases->dtype();
}
}  // namespace

FusedLinear FusedLinear::make(std::vector<DecoderLinear> layers) {
  FusedLinear f;
  for (const auto& l : layers) f.widths.push_back(l.w.shape(0));
  const bool fuse = std::all_of(layers.begin(), layers.end(), [&](const DecoderLinear& l) { return same_kind(l, layers[0]); });
  if (!fuse || layers.size() < 2) {
    f.parts = std::move(layers);
    return f;
  }
  auto join = [&](auto member) {
    std::vector<mx::array> rows;
    for (const auto& l : layers) rows.push_back(member(l));
    return mx::concatenate(rows, 0);
  };
  DecoderLinear all{join([](const DecoderLinear& l) { return l.w; }), std::nullopt, std::nullopt, layers[0].bits};
  if (all.bits) {
    all.scales = join([](const DecoderLinear& l) { return *l.scales; });
    all.biases = join([](const DecoderLinear& l) { return *l.biases; });
  }
  f.parts = {std::move(all)};
  return f;
}

std::vector<mx::array> FusedLinear::apply(const mx::array& x, mx::StreamOrDevice s) const {
  std::vector<mx::array> out;
  if (parts.size() == widths.size()) {
    for (const auto& p : parts) out.push_back(p.apply(x, s));
    return out;
  }
  mx::Shape at;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) at.push_back((at.empty() ? 0 : at.back()) + widths[i]);
  return mx::split(parts[0].apply(x, s), at, -1, s);
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

void LoadedArrays::linear(const FusedLinear& f) {
  for (const auto& p : f.parts) linear(p);
}

void LoadedArrays::tables(const std::optional<RopeTables>& t) {
  if (t) all.insert(all.end(), {t->cos, t->sin, t->swap});
}

void LoadedArrays::eval() const { mx::eval(all); }

}  // namespace robomlx::serve
