// SPDX-License-Identifier: Apache-2.0
// MVMR: validation, dispatch, the custom VJP and the portable path.
// Portable MVMR: gather_mm over (input row, tap) pairs without materialising gathered copies, then
// scatter_add into the outputs, in blocks of triplets that bound the T x M intermediate.
#include "robomlx/sparse/mvmr.h"

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

namespace {
// Flat (row, group) index into an array reshaped [N * G, ...].
mx::array with_groups(const mx::array& idx, int G, mx::Stream s) {
  if (G == 1) return idx;
  auto g = mx::arange(G, mx::int32, s);
  return mx::flatten(mx::add(mx::multiply(mx::expand_dims(idx, 1, s), mx::array(G, mx::int32), s), g, s), s);
}
}  // namespace

CheckedTriplets check_triplets(const char* tag, const mx::array& a_idx, const mx::array& b_idx, const mx::array& o_idx,
                               int64_t a_limit, int64_t b_limit, int64_t o_limit, bool scan, mx::Stream s) {
  CheckedTriplets t{as_index(tag, "a_idx", a_idx, s), as_index(tag, "b_idx", b_idx, s),
                    as_index(tag, "o_idx", o_idx, s), {}};
  for (auto [name, idx] : {std::pair{"b_idx", &t.b}, std::pair{"o_idx", &t.o}}) {
    if (idx->size() != t.a.size()) {
      fail_argument(tag, std::string(name) + " must have the same length as a_idx (" + std::to_string(t.a.size()) +
                             "), got " + std::to_string(idx->size()));
    }
  }
  if (scan) {
    auto r = scan_indices(tag, {{"a_idx", a_idx, a_limit}, {"b_idx", b_idx, b_limit}, {"o_idx", o_idx, o_limit}}, s);
    t.order = {.a_sorted = r[0].sorted, .o_sorted = r[2].sorted};
  }
  return t;
}

mx::Dtype operand_dtype(const char* tag, const mx::array& a, const mx::array& b) {
  check_dtype(tag, "a", a, {mx::float32, mx::float16, mx::bfloat16, mx::float64});
  check_dtype(tag, "b", b, {mx::float32, mx::float16, mx::bfloat16, mx::float64});
  return mx::promote_types(a.dtype(), b.dtype());
}

mx::array mvmr_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s) {
  int K = a.shape(0), G = a.shape(1), C = a.shape(2), M = a.shape(3), N_b = b.shape(0);
  int T = a_idx.size();
  auto acc = accum_dtype(a.dtype());
  auto w = mx::reshape(mx::astype(a, acc, s), {K * G, C, M}, s);
  auto x = mx::reshape(mx::astype(b, acc, s), {N_b * G, 1, C}, s);
  auto out = mx::zeros({num_outputs, G, M}, acc, s);
  // gather_mm is float32-only on CPU; float64 (finite-difference checks) gathers the weights.
  bool gathered = acc != mx::float32;
  int block = block_triplets(int64_t(G) * (gathered ? int64_t(C) * M : std::max(C, M)), T);
  for (int t0 = 0; t0 < T; t0 += block) {
    int t1 = std::min(T, t0 + block);
    auto li = with_groups(mx::slice(b_idx, {t0}, {t1}, s), G, s);
    auto ri = with_groups(mx::slice(a_idx, {t0}, {t1}, s), G, s);
    auto y = gathered ? mx::matmul(mx::take(x, li, 0, s), mx::take(w, ri, 0, s), s)
                      : mx::gather_mm(x, w, li, ri, order.a_sorted, s);  // [(t1 - t0) * G, 1, M]
    out = mx::scatter_add(out, mx::slice(o_idx, {t0}, {t1}, s), mx::reshape(y, {t1 - t0, 1, G, M}, s), 0, s);
  }
  return mx::astype(out, a.dtype(), s);
}

mx::array mvmr_any(const mx::array& a_in, const mx::array& b_in, const mx::array& a_idx, const mx::array& b_idx,
                   const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s) {
  auto dtype = mx::promote_types(a_in.dtype(), b_in.dtype());
  auto a = mx::astype(a_in, dtype, s);
  auto b = mx::astype(b_in, dtype, s);
  int G = a.shape(1), M = a.shape(3);
  if (a_idx.size() == 0 || num_outputs == 0) return mx::zeros({num_outputs, G, M}, dtype, s);
  const char* tag = "sparse.mvmr";
  ImplSet available{.cpu = true, .cuda = dtype != mx::float64, .metal = dtype != mx::float64 && metal_twin_usable(tag)};
  switch (choose_impl(tag, s, available)) {
    case Impl::cpu: return mvmr_cpu(a, b, a_idx, b_idx, o_idx, num_outputs, s);
    case Impl::cuda: return mvmr_gpu(a, b, a_idx, b_idx, o_idx, num_outputs, s);
    case Impl::metal:
      if (auto r = try_metal_twin(tag, [&] { return mvmr_gpu(a, b, a_idx, b_idx, o_idx, num_outputs, s); })) return *r;
      [[fallthrough]];
    default: return mvmr_portable(a, b, a_idx, b_idx, o_idx, num_outputs, order, s);
  }
}

mx::array mvmr_diff(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                    const mx::array& o_idx, int num_outputs, TripletOrder order, mx::Stream s) {
  int K = a.shape(0), N_b = b.shape(0);
  auto forward = [=](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{mvmr_any(in[0], in[1], in[2], in[3], in[4], num_outputs, order, s)};
  };
  // Upstream's adjoints: grad_a = VVOR(b, grad_o) keyed by the taps, grad_b = MVMR with the
  // weights transposed and the roles of the input and output indices swapped. Same stream.
  auto backward = [=](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                      const std::vector<mx::array>&) {
    const auto &wa = p[0], &xb = p[1], &ai = p[2], &bi = p[3], &oi = p[4];
    auto g = cot[0];
    auto grad_a =
        vvor_diff(xb, g, bi, oi, ai, K, TripletOrder{.a_sorted = false, .o_sorted = order.a_sorted}, s);
    auto grad_b = mvmr_diff(mx::swapaxes(wa, 2, 3, s), g, ai, oi, bi, N_b,
                            TripletOrder{.a_sorted = order.a_sorted, .o_sorted = false}, s);
    return std::vector<mx::array>{mx::astype(grad_a, wa.dtype(), s), mx::astype(grad_b, xb.dtype(), s),
                                  mx::zeros_like(ai, s), mx::zeros_like(bi, s), mx::zeros_like(oi, s)};
  };
  return robomlx::detail::custom_vjp_on(s, forward, backward, {a, b, a_idx, b_idx, o_idx})[0];
}

}  // namespace detail

mx::array mvmr(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
               const mx::array& o_idx, int num_outputs, IndexCheck check, mx::StreamOrDevice s) {
  const char* tag = "sparse.mvmr";
  check_ndim(tag, "a", a, 4);
  check_ndim(tag, "b", b, 3);
  detail::operand_dtype(tag, a, b);
  int K = a.shape(0), G = a.shape(1), C = a.shape(2);
  check_shape(tag, "b", b, {-1, G, C});
  if (num_outputs < 0) fail_argument(tag, "num_outputs must be >= 0, got " + std::to_string(num_outputs));
  const mx::Stream stream = op_stream(s);
  auto t = detail::check_triplets(tag, a_idx, b_idx, o_idx, K, b.shape(0), num_outputs, check == IndexCheck::host,
                                  stream);
  return detail::mvmr_diff(a, b, t.a, t.b, t.o, num_outputs, t.order, stream);
}

}  // namespace robomlx::sparse
