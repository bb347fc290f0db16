// SPDX-License-Identifier: Apache-2.0
// RoPE by tables (cached_decoder_internal.h says when and why).
#include <cmath>

#include <mlx/ops.h>

#include "robomlx/core/fused_internal.h"
#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {

RopeTables make_rope_tables(int context, int head_dim, int rope_dims, double base, bool neox, mx::Dtype dtype) {
  const std::size_t size = static_cast<std::size_t>(context) * head_dim;
  std::vector<float> cs(size, 1.0f), sn(size, 0.0f);
  std::vector<int> swap(head_dim);
  for (int d = 0; d < head_dim; ++d) swap[d] = d;
  const int half = rope_dims / 2;
  // Pair i's members: (2i, 2i + 1) or (i, i + half).
  auto first = [&](int i) { return neox ? i : 2 * i; };
  auto second = [&](int i) { return neox ? i + half : 2 * i + 1; };
  for (int i = 0; i < half; ++i) {
    swap[first(i)] = second(i);
    swap[second(i)] = first(i);
  }
  for (int p = 0; p < context; ++p)
    for (int i = 0; i < half; ++i) {
      const double angle = p * std::pow(base, -2.0 * i / rope_dims);
      const std::size_t row = static_cast<std::size_t>(p) * head_dim;
      cs[row + first(i)] = cs[row + second(i)] = static_cast<float>(std::cos(angle));
      sn[row + first(i)] = static_cast<float>(-std::sin(angle));
      sn[row + second(i)] = static_cast<float>(std::sin(angle));
    }
  return RopeTables{mx::astype(mx::array(cs.data(), {context, head_dim}, mx::float32), dtype),
                    mx::astype(mx::array(sn.data(), {context, head_dim}, mx::float32), dtype),
                    mx::array(swap.data(), {head_dim}, mx::int32)};
}

RopeTables rope_rows(const RopeTables& t, const DecoderStep& step, int T, mx::Stream s) {
  const int hd = t.cos.shape(1);
  if (const int* col = std::get_if<int>(&step.positions)) {
    const mx::Shape lo{*col, 0}, hi{*col + T, hd}, shape{1, 1, T, hd};
    return RopeTables{mx::reshape(mx::slice(t.cos, lo, hi, s), shape, s), mx::reshape(mx::slice(t.sin, lo, hi, s), shape, s),
                      t.swap};
  }
  const mx::array& pos = std::get<mx::array>(step.positions);
  const mx::Shape shape{pos.shape(0), 1, 1, hd};
  return RopeTables{mx::reshape(mx::take(t.cos, pos, 0, s), shape, s), mx::reshape(mx::take(t.sin, pos, 0, s), shape, s), t.swap};
}

namespace {
// in: x, cos, sin, swap (run_fused's list form).
std::vector<mx::array> rotate(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto &x = in[0], &cos = in[1], &sin = in[2], &swap = in[3];
  return {mx::add(mx::multiply(x, cos, s), mx::multiply(mx::take(x, swap, -1, s), sin, s), s)};
}
}  // namespace

// Through run_fused (mx::compile on the thread's default stream, op by op on any other): the gather
// stays a kernel of its own, the two products and the sum become one fused kernel (a decode step
// runs this twice per layer).
mx::array apply_rope(const mx::array& x, const RopeTables& r, mx::Stream s) {
  return robomlx::detail::run_fused<rotate>({x, r.cos, r.sin, r.swap}, s)[0];
}

}  // namespace robomlx::serve
