// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/segment_reduce.h"

#include <limits>
#include <optional>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/core/custom_vjp_internal.h"
#include "robomlx/core/ragged.h"
#include "robomlx/sparse/operand_checks_internal.h"
#include "robomlx/sparse/segment_layout.h"
#include "robomlx/sparse/segment_layout_internal.h"
#include "robomlx/sparse/segment_reduce_twins.h"

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
constexpr const char* kTag = "sparse.segment_reduce";

// [K] -> [K, 1]: broadcasts a per-segment scalar over the flattened trailing dims.
mx::array per_segment(const mx::array& v, mx::Dtype dtype, mx::Stream s) {
  return mx::expand_dims(mx::astype(v, dtype, s), 1, s);
}
}  // namespace

mx::array segment_reduce_portable(const mx::array& x, const mx::array& lengths, ReduceOp op, mx::Stream s) {
  int T = x.shape(0), K = lengths.size(), D = x.shape(1);
  auto ids = segment_ids(lengths_to_offsets(lengths, s), T, s);
  auto updates = mx::expand_dims(x, 1, s);  // [T, 1, D]
  if (op == ReduceOp::sum || op == ReduceOp::mean) {
    auto y = mx::scatter_add(mx::zeros({K, D}, x.dtype(), s), ids, updates, 0, s);
    if (op == ReduceOp::sum) return y;
    return mx::divide(y, per_segment(mx::maximum(lengths, mx::array(1), s), x.dtype(), s), s);
  }
  double inf = std::numeric_limits<double>::infinity();
  auto y = op == ReduceOp::max
               ? mx::scatter_max(mx::full({K, D}, mx::array(-inf, x.dtype()), s), ids, updates, 0, s)
               : mx::scatter_min(mx::full({K, D}, mx::array(inf, x.dtype()), s), ids, updates, 0, s);
  return mx::where(mx::expand_dims(mx::greater(lengths, mx::array(0), s), 1, s), y, mx::array(0, x.dtype()), s);
}

namespace {
// Which of the layout's arrays the chosen implementation reads; they are the custom VJP's
// integer primals after x (and indices), so transforms see them as inputs. Only those are
// passed: a primal is evaluated even when unused, and the others would cost kernels.
// For the GPU twin (CUDA, Metal): the first array is always the layout's ends (the backward reads them).
struct LayoutInputs {
  Impl impl;
  // GPU: the reduction levels, as positions in `arrays` of each level's ends and table (-1:
  // none). One level over the layout itself, or a split plan's levels (segment_layout_internal.h).
  std::vector<std::pair<int, int>> levels;
  std::vector<mx::array> arrays;
};

LayoutInputs layout_inputs(const mx::array& x, bool indexed, const SegmentLayout& layout, mx::Stream s) {
  const bool gpu = x.dtype() != mx::float64;
  ImplSet available{.cpu = true, .cuda = gpu, .metal = gpu && metal_twin_usable(kTag)};
  LayoutInputs in{choose_impl(kTag, s, available)};
  if (in.impl != Impl::cuda && in.impl != Impl::metal) {
    in.arrays = {layout.lengths()};
    return in;
  }
  const int D = x.shape(1);
  in.arrays = {layout.ends()};
  // Only contiguous D == 1 levels read a table.
  auto table_of = [&](const SegmentLayout& l, bool contiguous) {
    if (!contiguous || D != 1 || !l.cuda_tile_table()) return -1;
    in.arrays.push_back(*l.cuda_tile_table());
    return static_cast<int>(in.arrays.size()) - 1;
  };
  const auto* plan = SegmentLayoutAccess::split_plan(layout, D, s);
  if (!plan) {
    in.levels.push_back({0, table_of(layout, !indexed)});
    return in;
  }
  for (size_t i = 0; i < plan->size(); ++i) {
    in.arrays.push_back((*plan)[i].ends());
    const int ends = static_cast<int>(in.arrays.size()) - 1;
    in.levels.push_back({ends, table_of((*plan)[i], i > 0 || !indexed)});
  }
  return in;
}

// GPU twin, level by level: each reduces the previous level's output (level 0: x, through
// indices). Over several levels mean sums and divides at the end (by lengths from the layout's ends).
mx::array reduce_gpu_levels(const mx::array& x, const std::optional<mx::array>& indices, const mx::array* seg,
                             const std::vector<std::pair<int, int>>& levels, ReduceOp op, mx::Stream s) {
  const bool split_mean = op == ReduceOp::mean && levels.size() > 1;
  const ReduceOp level_op = split_mean ? ReduceOp::sum : op;
  mx::array rows = x;
  for (size_t i = 0; i < levels.size(); ++i) {
    auto [ends, table] = levels[i];
    rows = segment_reduce_gpu(rows, seg[ends], level_op, i == 0 ? indices : std::nullopt,
                              table >= 0 ? std::optional(seg[table]) : std::nullopt, s);
  }
  if (!split_mean) return rows;
  auto len = offsets_to_lengths(mx::concatenate({mx::zeros({1}, mx::int32, s), seg[0]}, s), s);
  return mx::divide(rows, per_segment(mx::maximum(len, mx::array(1), s), rows.dtype(), s), s);
}

// Rows are x[indices] when indices are given, else x. The twins read indexed rows in place;
// the portable path gathers first. `seg` is LayoutInputs::arrays.
mx::array reduce_any(const mx::array& x, const std::optional<mx::array>& indices, const mx::array* seg, Impl impl,
                     const std::vector<std::pair<int, int>>& levels, ReduceOp op, mx::Stream s) {
  if (impl == Impl::cpu) return segment_reduce_cpu(x, seg[0], op, indices, s);
  if (impl == Impl::cuda || impl == Impl::metal) return reduce_gpu_levels(x, indices, seg, levels, op, s);
  auto rows = indices ? mx::take(x, *indices, 0, s) : x;
  return segment_reduce_portable(rows, seg[0], op, s);
}

// Differentiable core on x [N, D] in the accumulation dtype, with the layout arrays `seg` of the
// chosen implementation. The backward runs on the forward's stream.
mx::array reduce_diff_with(const mx::array& x, const std::optional<mx::array>& indices, const LayoutInputs& seg,
                           ReduceOp op, mx::Stream s) {
  bool indexed = indices.has_value();
  size_t first = indexed ? 2 : 1;  // position of the layout's arrays among the primals
  auto forward = [op, indexed, first, impl = seg.impl, levels = seg.levels, s](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{reduce_any(in[0], indexed ? std::optional<mx::array>(in[1]) : std::nullopt,
                                             &in[first], impl, levels, op, s)};
  };
  const bool gpu = seg.impl == Impl::cuda || seg.impl == Impl::metal;
  auto backward = [op, indexed, first, gpu, s](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                                               const std::vector<mx::array>& outs) {
    const auto& xv = p[0];
    auto rows = indexed ? mx::take(xv, p[1], 0, s) : xv;
    // The GPU twin passed ends, the others lengths: offsets [K + 1] and lengths [K] from either.
    int K = p[first].size();
    auto offsets =
        gpu ? mx::concatenate({mx::zeros({1}, mx::int32, s), p[first]}, s) : lengths_to_offsets(p[first], s);
    auto len = gpu ? offsets_to_lengths(offsets, s) : p[first];
    int L = rows.shape(0), D = xv.shape(1);
    auto ids = segment_ids(offsets, L, s);
    auto g = mx::astype(cot[0], xv.dtype(), s);
    mx::array grows = g;  // gradient per reduced row
    if (op == ReduceOp::sum) {
      grows = mx::take(g, ids, 0, s);
    } else if (op == ReduceOp::mean) {
      grows = mx::take(mx::divide(g, per_segment(mx::maximum(len, mx::array(1), s), xv.dtype(), s), s), ids, 0, s);
    } else {
      // Tie rule: the gradient is split equally among the rows equal to the extremum.
      auto hit = mx::astype(mx::equal(rows, mx::take(outs[0], ids, 0, s), s), xv.dtype(), s);
      auto count = mx::scatter_add(mx::zeros({K, D}, xv.dtype(), s), ids, mx::expand_dims(hit, 1, s), 0, s);
      auto share = mx::divide(g, mx::maximum(count, mx::array(1, xv.dtype()), s), s);
      grows = mx::multiply(hit, mx::take(share, ids, 0, s), s);
    }
    std::vector<mx::array> grads;
    if (!indexed) {
      grads.push_back(grows);
    } else {
      // A duplicated index collects one share per occurrence.
      grads.push_back(mx::scatter_add(mx::zeros_like(xv, s), p[1], mx::expand_dims(grows, 1, s), 0, s));
      grads.push_back(mx::zeros_like(p[1], s));
    }
    for (size_t i = first; i < p.size(); ++i) grads.push_back(mx::zeros_like(p[i], s));
    return grads;
  };
  std::vector<mx::array> primals{x};
  if (indexed) primals.push_back(*indices);
  primals.insert(primals.end(), seg.arrays.begin(), seg.arrays.end());
  return robomlx::detail::custom_vjp_on(s, forward, backward, primals)[0];
}

// reduce_diff_with the implementation chosen for this layout; a failed Metal twin falls back to the
// portable path (which reads the lengths).
mx::array reduce_diff(const mx::array& x, const std::optional<mx::array>& indices, const SegmentLayout& layout,
                      ReduceOp op, mx::Stream s) {
  auto seg = layout_inputs(x, indices.has_value(), layout, s);
  if (seg.impl == Impl::metal) {
    if (auto r = try_metal_twin(kTag, [&] { return reduce_diff_with(x, indices, seg, op, s); })) return *r;
    seg = LayoutInputs{Impl::portable, {}, {layout.lengths()}};
  }
  return reduce_diff_with(x, indices, seg, op, s);
}

// x [N, ...] -> y [K, ...]: flattens the trailing dims, reduces, restores them.
mx::array reduce_rows(const mx::array& x, const std::optional<mx::array>& indices, const SegmentLayout& layout,
                      ReduceOp op, mx::Stream s) {
  auto shape = x.shape();
  int N = shape[0], D = 1;
  for (size_t d = 1; d < shape.size(); ++d) D *= shape[d];
  int L = indices ? static_cast<int>(indices->size()) : N;
  auto flat = mx::reshape(mx::astype(x, accum_dtype(x.dtype()), s), {N, D}, s);
  int K = layout.size();
  shape[0] = K;
  mx::array y = K == 0 || D == 0 || L == 0 ? mx::zeros({K, D}, flat.dtype(), s)
                                           : reduce_diff(flat, indices, layout, op, s);
  return mx::astype(mx::reshape(y, shape, s), x.dtype(), s);
}

void check_x(const char* tag, const mx::array& x) {
  if (x.ndim() < 1) fail_argument(tag, "x must have at least 1 dimension [T, ...], got a scalar");
  check_dtype(tag, "x", x, {mx::float32, mx::float16, mx::bfloat16, mx::float64});
}
}  // namespace

}  // namespace detail

// The lengths overloads validate with their own tag and messages, then build a layout per call
// (lazy: only the arrays the chosen implementation reads are evaluated, as before the layout;
// without the CUDA table, which segment_reduce_gpu builds only where it reads it).
mx::array segment_reduce(const mx::array& x, const mx::array& lengths, ReduceOp op, IndexCheck check,
                         mx::StreamOrDevice s) {
  const char* tag = "sparse.segment_reduce";
  const mx::Stream stream = op_stream(s);
  detail::check_x(tag, x);
  auto len = detail::as_index(tag, "lengths", lengths, stream);
  std::shared_ptr<const detail::HostLengths> host;
  if (check == IndexCheck::host) host = detail::check_lengths(tag, lengths, x.shape(0), "x.shape[0]", stream);
  auto layout = detail::SegmentLayoutAccess::per_call(len, x.shape(0), host, stream);
  return detail::reduce_rows(x, std::nullopt, layout, op, stream);
}

mx::array indexed_segment_reduce(const mx::array& x, const mx::array& indices, const mx::array& lengths, ReduceOp op,
                                 IndexCheck check, mx::StreamOrDevice s) {
  const char* tag = "sparse.indexed_segment_reduce";
  const mx::Stream stream = op_stream(s);
  detail::check_x(tag, x);
  auto idx = detail::as_index(tag, "indices", indices, stream);
  auto len = detail::as_index(tag, "lengths", lengths, stream);
  std::shared_ptr<const detail::HostLengths> host;
  if (check == IndexCheck::host) {
    detail::scan_index(tag, "indices", indices, x.shape(0), stream);
    host = detail::check_lengths(tag, lengths, idx.size(), "the number of indices", stream);
  }
  auto layout = detail::SegmentLayoutAccess::per_call(len, static_cast<int>(idx.size()), host, stream);
  return detail::reduce_rows(x, idx, layout, op, stream);
}

mx::array segment_reduce(const mx::array& x, const SegmentLayout& layout, ReduceOp op, mx::StreamOrDevice s) {
  const char* tag = "sparse.segment_reduce";
  detail::check_x(tag, x);
  if (x.shape(0) != layout.total()) {
    fail_argument(tag, "x.shape[0] must equal the layout's total (" + std::to_string(layout.total()) + "), got " +
                           std::to_string(x.shape(0)));
  }
  return detail::reduce_rows(x, std::nullopt, layout, op, op_stream(s));
}

mx::array indexed_segment_reduce(const mx::array& x, const mx::array& indices, const SegmentLayout& layout,
                                 ReduceOp op, IndexCheck check, mx::StreamOrDevice s) {
  const char* tag = "sparse.indexed_segment_reduce";
  const mx::Stream stream = op_stream(s);
  detail::check_x(tag, x);
  auto idx = detail::as_index(tag, "indices", indices, stream);
  if (static_cast<int64_t>(idx.size()) != layout.total()) {
    fail_argument(tag, "indices must have the layout's total (" + std::to_string(layout.total()) +
                           ") entries, got " + std::to_string(idx.size()));
  }
  if (check == IndexCheck::host) detail::scan_index(tag, "indices", indices, x.shape(0), stream);
  return detail::reduce_rows(x, idx, layout, op, stream);
}

}  // namespace robomlx::sparse
