// SPDX-License-Identifier: Apache-2.0
// VVOR: validation, dispatch, the custom VJP and the portable path (its twins are MVMR's:
// mvmr_twins.h). Portable VVOR: triplets ordered by output (argsort unless known sorted), then
// one segmented_mm per group, splitting the inner (triplet) dimension at output boundaries, in
// blocks of triplets that bound the intermediate.
#include "robomlx/sparse/vvor.h"

#include <algorithm>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/core/custom_vjp_internal.h"
#include "robomlx/sparse/mvmr_twins.h"

namespace robomlx::sparse {

namespace detail {

mx::array vvor_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s) {
  int G = a.shape(1), M = a.shape(2), C = b.shape(2);
  int T = a_idx.size();
  auto acc = accum_dtype(a.dtype());
  auto ai = a_idx, bi = b_idx, oi = o_idx;
  if (!order.o_sorted) {
    auto perm = mx::argsort(o_idx, s);
    ai = mx::take(a_idx, perm, s);
    bi = mx::take(b_idx, perm, s);
    oi = mx::take(o_idx, perm, s);
  }
  auto counts = mx::scatter_add(mx::zeros({num_outputs}, mx::int32, s), oi, mx::ones({T, 1}, mx::int32, s), 0, s);
  auto ends = mx::cumsum(counts, 0, false, true, std::nullopt, s);
  auto starts = mx::subtract(ends, counts, s);
  auto xa = mx::astype(a, acc, s), xb = mx::astype(b, acc, s);
  auto out = mx::zeros({num_outputs, G, M, C}, acc, s);
  int block = block_triplets(int64_t(G) * (M + C), T);
  for (int t0 = 0; t0 < T; t0 += block) {
    int t1 = std::min(T, t0 + block);
    auto lo = mx::array(t0, mx::int32), hi = mx::array(t1, mx::int32);
    auto segments =
        mx::subtract(mx::stack({mx::clip(starts, lo, hi, s), mx::clip(ends, lo, hi, s)}, 1, s), lo, s);
    auto ra = mx::take(xa, mx::slice(ai, {t0}, {t1}, s), 0, s);  // [tb, G, M]
    auto rb = mx::take(xb, mx::slice(bi, {t0}, {t1}, s), 0, s);  // [tb, G, C]
    std::vector<mx::array> parts;
    for (int g = 0; g < G; ++g) {
      auto lhs = mx::transpose(mx::reshape(mx::slice(ra, {0, g, 0}, {t1 - t0, g + 1, M}, s), {t1 - t0, M}, s), s);
      auto rhs = mx::reshape(mx::slice(rb, {0, g, 0}, {t1 - t0, g + 1, C}, s), {t1 - t0, C}, s);
      parts.push_back(mx::segmented_mm(lhs, rhs, segments, s));  // [n_o, M, C]
    }
    out = mx::add(out, G == 1 ? mx::expand_dims(parts[0], 1, s) : mx::stack(parts, 1, s), s);
  }
  return mx::astype(out, a.dtype(), s);
}

mx::array vvor_any(const mx::array& a_in, const mx::array& b_in, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s) {
  auto dtype = mx::promote_types(a_in.dtype(), b_in.dtype());
  auto a = mx::astype(a_in, dtype, s);
  auto b = mx::astype(b_in, dtype, s);
  int G = a.shape(1), M = a.shape(2), C = b.shape(2);
  if (a_idx.size() == 0 || num_outputs == 0) return mx::zeros({num_outputs, G, M, C}, dtype, s);
  const char* tag = "sparse.vvor";
  ImplSet available{.cpu = true, .cuda = dtype != mx::float64, .metal = dtype != mx::float64 && metal_twin_usable(tag)};
  switch (choose_impl(tag, s, available)) {
    case Impl::cpu: return vvor_cpu(a, b, a_idx, b_idx, o_idx, num_outputs, s);
    case Impl::cuda: return vvor_gpu(a, b, a_idx, b_idx, o_idx, num_outputs, s);
    case Impl::metal:
      if (auto r = try_metal_twin(tag, [&] { return vvor_gpu(a, b, a_idx, b_idx, o_idx, num_outputs, s); })) return *r;
      [[fallthrough]];
    default: return vvor_portable(a, b, a_idx, b_idx, o_idx, num_outputs, order, s);
  }
}

mx::array vvor_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s) {
  int N_a = a.shape(0), N_b = b.shape(0);
  auto forward = [=](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{vvor_any(in[0], in[1], in[2], in[3], in[4], num_outputs, order, s)};
  };
  // Upstream's adjoints: both are MVMRs keyed by o_idx, with the output gradient as weights.
  // Same stream as the forward.
  auto backward = [=](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                      const std::vector<mx::array>&) {
    const auto &xa = p[0], &xb = p[1], &ai = p[2], &bi = p[3], &oi = p[4];
    auto g = cot[0];  // [n_o, G, M, C]
    TripletOrder by_o{.a_sorted = order.o_sorted, .o_sorted = false};
    auto grad_a = mvmr_diff(mx::swapaxes(g, 2, 3, s), xb, oi, bi, ai, N_a,
                            TripletOrder{.a_sorted = order.o_sorted, .o_sorted = order.a_sorted}, s);
    auto grad_b = mvmr_diff(g, xa, oi, ai, bi, N_b, by_o, s);
    return std::vector<mx::array>{mx::astype(grad_a, xa.dtype(), s), mx::astype(grad_b, xb.dtype(), s),
                                  mx::zeros_like(ai, s), mx::zeros_like(bi, s), mx::zeros_like(oi, s)};
  };
  return robomlx::detail::custom_vjp_on(s, forward, backward, {a, b, a_idx, b_idx, o_idx})[0];
}

}  // namespace detail

mx::array vvor(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
               const mx::array& o_idx, int num_outputs, IndexCheck check, mx::StreamOrDevice s) {
  const char* tag = "sparse.vvor";
  check_ndim(tag, "a", a, 3);
  check_ndim(tag, "b", b, 3);
  detail::operand_dtype(tag, a, b);
  int G = a.shape(1);
  check_shape(tag, "b", b, {-1, G, -1});
  if (num_outputs < 0) fail_argument(tag, "num_outputs must be >= 0, got " + std::to_string(num_outputs));
  const mx::Stream stream = op_stream(s);
  auto t = detail::check_triplets(tag, a_idx, b_idx, o_idx, a.shape(0), b.shape(0), num_outputs,
                                  check == IndexCheck::host, stream);
  return detail::vvor_diff(a, b, t.a, t.b, t.o, num_outputs, t.order, stream);
}

}  // namespace robomlx::sparse
