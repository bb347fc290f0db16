// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/vvor.h"

#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/mvmr_detail.h"

namespace robomlx::sparse {

namespace detail {

mx::array vvor_any(const mx::array& a_in, const mx::array& b_in, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order) {
  auto dtype = mx::promote_types(a_in.dtype(), b_in.dtype());
  auto a = mx::astype(a_in, dtype);
  auto b = mx::astype(b_in, dtype);
  int G = a.shape(1), M = a.shape(2), C = b.shape(2);
  if (a_idx.size() == 0 || num_outputs == 0) return mx::zeros({num_outputs, G, M, C}, dtype);
  auto device = mx::default_device();
  ImplSet available{.cpu = true, .cuda = dtype != mx::float64};
  switch (choose_impl("sparse.vvor", device, available)) {
    case Impl::cpu: return vvor_cpu(a, b, a_idx, b_idx, o_idx, num_outputs);
    case Impl::cuda: return vvor_cuda(a, b, a_idx, b_idx, o_idx, num_outputs);
    default: return vvor_portable(a, b, a_idx, b_idx, o_idx, num_outputs, order);
  }
}

mx::array vvor_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order) {
  int N_a = a.shape(0), N_b = b.shape(0);
  auto forward = [=](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{vvor_any(in[0], in[1], in[2], in[3], in[4], num_outputs, order)};
  };
  // Upstream's adjoints: both are MVMRs keyed by o_idx, with the output gradient as weights.
  auto backward = [=](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                      const std::vector<mx::array>&) {
    const auto &xa = p[0], &xb = p[1], &ai = p[2], &bi = p[3], &oi = p[4];
    auto g = cot[0];  // [n_o, G, M, C]
    TripletOrder by_o{.a_sorted = order.o_sorted, .o_sorted = false};
    auto grad_a = mvmr_diff(mx::swapaxes(g, 2, 3), xb, oi, bi, ai, N_a,
                            TripletOrder{.a_sorted = order.o_sorted, .o_sorted = order.a_sorted});
    auto grad_b = mvmr_diff(g, xa, oi, ai, bi, N_b, by_o);
    return std::vector<mx::array>{mx::astype(grad_a, xa.dtype()), mx::astype(grad_b, xb.dtype()),
                                  mx::zeros_like(ai), mx::zeros_like(bi), mx::zeros_like(oi)};
  };
  return mx::custom_vjp(forward, backward)({a, b, a_idx, b_idx, o_idx})[0];
}

}  // namespace detail

mx::array vvor(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
               const mx::array& o_idx, int num_outputs, IndexCheck check) {
  const char* tag = "sparse.vvor";
  check_ndim(tag, "a", a, 3);
  check_ndim(tag, "b", b, 3);
  detail::operand_dtype(tag, a, b);
  int G = a.shape(1);
  check_shape(tag, "b", b, {-1, G, -1});
  if (num_outputs < 0) fail_argument(tag, "num_outputs must be >= 0, got " + std::to_string(num_outputs));
  auto t = detail::check_triplets(tag, a_idx, b_idx, o_idx, a.shape(0), b.shape(0), num_outputs,
                                  check == IndexCheck::host);
  return detail::vvor_diff(a, b, t.a, t.b, t.o, num_outputs, t.order);
}

}  // namespace robomlx::sparse
