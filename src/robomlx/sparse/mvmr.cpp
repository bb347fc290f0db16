// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/mvmr.h"

#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/mvmr_detail.h"
#include "robomlx/sparse/vvor.h"

namespace robomlx::sparse {

namespace detail {

mx::array mvmr_any(const mx::array& a_in, const mx::array& b_in, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order) {
  auto dtype = mx::promote_types(a_in.dtype(), b_in.dtype());
  auto a = mx::astype(a_in, dtype);
  auto b = mx::astype(b_in, dtype);
  int G = a.shape(1), M = a.shape(3);
  if (a_idx.size() == 0 || num_outputs == 0) return mx::zeros({num_outputs, G, M}, dtype);
  auto device = mx::default_device();
  ImplSet available{.cpu = true, .cuda = dtype != mx::float64};
  switch (choose_impl("sparse.mvmr", device, available)) {
    case Impl::cpu: return mvmr_cpu(a, b, a_idx, b_idx, o_idx, num_outputs);
    case Impl::cuda: return mvmr_cuda(a, b, a_idx, b_idx, o_idx, num_outputs);
    default: return mvmr_portable(a, b, a_idx, b_idx, o_idx, num_outputs, order);
  }
}

mx::array mvmr_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order) {
  int K = a.shape(0), N_b = b.shape(0);
  auto forward = [=](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{mvmr_any(in[0], in[1], in[2], in[3], in[4], num_outputs, order)};
  };
  // Upstream's adjoints: grad_a = VVOR(b, grad_o) keyed by the taps, grad_b = MVMR with the
  // weights transposed and the roles of the input and output indices swapped.
  auto backward = [=](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                      const std::vector<mx::array>&) {
    const auto &wa = p[0], &xb = p[1], &ai = p[2], &bi = p[3], &oi = p[4];
    auto g = cot[0];
    auto grad_a = vvor_diff(xb, g, bi, oi, ai, K, TripletOrder{.a_sorted = false, .o_sorted = order.a_sorted});
    auto grad_b = mvmr_diff(mx::swapaxes(wa, 2, 3), g, ai, oi, bi, N_b,
                            TripletOrder{.a_sorted = order.a_sorted, .o_sorted = false});
    return std::vector<mx::array>{mx::astype(grad_a, wa.dtype()), mx::astype(grad_b, xb.dtype()),
                                  mx::zeros_like(ai), mx::zeros_like(bi), mx::zeros_like(oi)};
  };
  return mx::custom_vjp(forward, backward)({a, b, a_idx, b_idx, o_idx})[0];
}

}  // namespace detail

mx::array mvmr(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
               const mx::array& o_idx, int num_outputs, IndexCheck check) {
  const char* tag = "sparse.mvmr";
  check_ndim(tag, "a", a, 4);
  check_ndim(tag, "b", b, 3);
  detail::operand_dtype(tag, a, b);
  int K = a.shape(0), G = a.shape(1), C = a.shape(2);
  check_shape(tag, "b", b, {-1, G, C});
  if (num_outputs < 0) fail_argument(tag, "num_outputs must be >= 0, got " + std::to_string(num_outputs));
  auto t = detail::check_triplets(tag, a_idx, b_idx, o_idx, K, b.shape(0), num_outputs,
                                  check == IndexCheck::host);
  return detail::mvmr_diff(a, b, t.a, t.b, t.o, num_outputs, t.order);
}

}  // namespace robomlx::sparse
