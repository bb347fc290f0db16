// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/segment_reduce.h"

#include <limits>
#include <optional>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/ragged.h"
#include "robomlx/sparse/mvmr_detail.h"
#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse {

const char* to_string(ReduceOp op) {
  switch (op) {
    case ReduceOp::mean: return "mean";
    case ReduceOp::max: return "max";
    case ReduceOp::min: return "min";
    default: return "sum";
  }
}

namespace detail {

namespace {
// [K] -> [K, 1]: broadcasts a per-segment scalar over the flattened trailing dims.
mx::array per_segment(const mx::array& v, mx::Dtype dtype) { return mx::expand_dims(mx::astype(v, dtype), 1); }
}  // namespace

mx::array segment_reduce_portable(const mx::array& x, const mx::array& lengths, ReduceOp op) {
  int T = x.shape(0), K = lengths.size(), D = x.shape(1);
  auto ids = segment_ids(lengths_to_offsets(lengths), T);
  auto updates = mx::expand_dims(x, 1);  // [T, 1, D]
  if (op == ReduceOp::sum || op == ReduceOp::mean) {
    auto y = mx::scatter_add(mx::zeros({K, D}, x.dtype()), ids, updates, 0);
    if (op == ReduceOp::sum) return y;
    return mx::divide(y, per_segment(mx::maximum(lengths, mx::array(1)), x.dtype()));
  }
  double inf = std::numeric_limits<double>::infinity();
  auto y = op == ReduceOp::max ? mx::scatter_max(mx::full({K, D}, mx::array(-inf, x.dtype())), ids, updates, 0)
                               : mx::scatter_min(mx::full({K, D}, mx::array(inf, x.dtype())), ids, updates, 0);
  return mx::where(mx::expand_dims(mx::greater(lengths, mx::array(0)), 1), y, mx::array(0, x.dtype()));
}

namespace {
// Rows are x[indices] when indices are given, else x. The twins read indexed rows in place;
// the portable path gathers first.
mx::array reduce_any(const mx::array& x, const std::optional<mx::array>& indices, const mx::array& lengths,
                     ReduceOp op) {
  auto device = mx::default_device();
  ImplSet available{.cpu = true, .cuda = x.dtype() != mx::float64};
  Impl impl = choose_impl("sparse.segment_reduce", device, available);
  if (impl == Impl::cpu) return segment_reduce_cpu(x, lengths, op, indices);
  if (impl == Impl::cuda) return segment_reduce_cuda(x, lengths, op, indices);
  auto rows = indices ? mx::take(x, *indices, 0) : x;
  return segment_reduce_portable(rows, lengths, op);
}

// Differentiable core on x [N, D] in the accumulation dtype.
mx::array reduce_diff(const mx::array& x, const std::optional<mx::array>& indices, const mx::array& lengths,
                      ReduceOp op) {
  bool indexed = indices.has_value();
  auto forward = [op, indexed](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{
        reduce_any(in[0], indexed ? std::optional<mx::array>(in[1]) : std::nullopt, in.back(), op)};
  };
  auto backward = [op, indexed](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                                const std::vector<mx::array>& outs) {
    const auto &xv = p[0], &len = p.back();
    auto rows = indexed ? mx::take(xv, p[1], 0) : xv;
    int L = rows.shape(0), K = len.size(), D = xv.shape(1);
    auto ids = segment_ids(lengths_to_offsets(len), L);
    auto g = mx::astype(cot[0], xv.dtype());
    mx::array grows = g;  // gradient per reduced row
    if (op == ReduceOp::sum) {
      grows = mx::take(g, ids, 0);
    } else if (op == ReduceOp::mean) {
      grows = mx::take(mx::divide(g, per_segment(mx::maximum(len, mx::array(1)), xv.dtype())), ids, 0);
    } else {
      // Tie rule: the gradient is split equally among the rows equal to the extremum.
      auto hit = mx::astype(mx::equal(rows, mx::take(outs[0], ids, 0)), xv.dtype());
      auto count = mx::scatter_add(mx::zeros({K, D}, xv.dtype()), ids, mx::expand_dims(hit, 1), 0);
      auto share = mx::divide(g, mx::maximum(count, mx::array(1, xv.dtype())));
      grows = mx::multiply(hit, mx::take(share, ids, 0));
    }
    if (!indexed) return std::vector<mx::array>{grows, mx::zeros_like(len)};
    // A duplicated index collects one share per occurrence.
    auto gx = mx::scatter_add(mx::zeros_like(xv), p[1], mx::expand_dims(grows, 1), 0);
    return std::vector<mx::array>{gx, mx::zeros_like(p[1]), mx::zeros_like(len)};
  };
  std::vector<mx::array> primals{x};
  if (indexed) primals.push_back(*indices);
  primals.push_back(lengths);
  return mx::custom_vjp(forward, backward)(primals)[0];
}

void check_lengths(const char* tag, const mx::array& lengths, int64_t total, const char* total_name) {
  auto c = mx::astype(lengths, mx::int64);
  c.eval();
  const int64_t* v = c.data<int64_t>();
  int64_t sum = 0;
  for (size_t k = 0; k < c.size(); ++k) {
    if (v[k] < 0) {
      fail_argument(tag, "lengths must be >= 0, got " + std::to_string(v[k]) + " at position " + std::to_string(k));
    }
    sum += v[k];
  }
  if (sum != total) {
    fail_argument(tag, std::string("lengths must sum to ") + total_name + " (" + std::to_string(total) + "), got " +
                           std::to_string(sum));
  }
}

// x [N, ...] -> y [K, ...]: flattens the trailing dims, reduces, restores them.
mx::array reduce_rows(const mx::array& x, const std::optional<mx::array>& indices, const mx::array& lengths,
                      ReduceOp op) {
  auto shape = x.shape();
  int N = shape[0], D = 1;
  for (size_t d = 1; d < shape.size(); ++d) D *= shape[d];
  int L = indices ? static_cast<int>(indices->size()) : N;
  auto flat = mx::reshape(mx::astype(x, accum_dtype(x.dtype())), {N, D});
  shape[0] = lengths.size();
  mx::array y = lengths.size() == 0 || D == 0 || L == 0 ? mx::zeros({int(lengths.size()), D}, flat.dtype())
                                                        : reduce_diff(flat, indices, lengths, op);
  return mx::astype(mx::reshape(y, shape), x.dtype());
}

void check_x(const char* tag, const mx::array& x) {
  if (x.ndim() < 1) fail_argument(tag, "x must have at least 1 dimension [T, ...], got a scalar");
  check_dtype(tag, "x", x, {mx::float32, mx::float16, mx::bfloat16, mx::float64});
}
}  // namespace

}  // namespace detail

mx::array segment_reduce(const mx::array& x, const mx::array& lengths, ReduceOp op, IndexCheck check) {
  const char* tag = "sparse.segment_reduce";
  detail::check_x(tag, x);
  auto len = detail::as_index(tag, "lengths", lengths);
  if (check == IndexCheck::host) detail::check_lengths(tag, lengths, x.shape(0), "x.shape[0]");
  return detail::reduce_rows(x, std::nullopt, len, op);
}

mx::array indexed_segment_reduce(const mx::array& x, const mx::array& indices, const mx::array& lengths, ReduceOp op,
                                 IndexCheck check) {
  const char* tag = "sparse.indexed_segment_reduce";
  detail::check_x(tag, x);
  auto idx = detail::as_index(tag, "indices", indices);
  auto len = detail::as_index(tag, "lengths", lengths);
  if (check == IndexCheck::host) {
    detail::scan_index(tag, "indices", indices, x.shape(0));
    detail::check_lengths(tag, lengths, idx.size(), "the number of indices");
  }
  return detail::reduce_rows(x, idx, len, op);
}

}  // namespace robomlx::sparse
