// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/ragged.h"

#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/core/ragged_twins.h"

namespace robomlx {

namespace {
mx::array as_int32(const mx::array& a, mx::StreamOrDevice s = {}) {
  return a.dtype() == mx::int32 ? a : mx::astype(a, mx::int32, s);
}

// Prefix sum of a 1-D int32 array, optionally with a leading 0. On a GPU the twin: MLX's CUDA scan
// gives a whole row to one thread block.
mx::array int32_cumsum(const mx::array& x, bool leading_zero, mx::Stream s) {
  constexpr const char* tag = "core.cumsum";
  switch (choose_impl(tag, s, ImplSet{.cuda = true, .metal = metal_twin_usable(tag)})) {
    case Impl::cuda: return detail::cumsum_int32_gpu(x, leading_zero, s);
    case Impl::metal:
      if (auto r = try_metal_twin(tag, [&] { return detail::cumsum_int32_gpu(x, leading_zero, s); })) return *r;
      break;
    default: break;
  }
  auto c = mx::cumsum(x, 0, false, true, s);
  return leading_zero ? mx::concatenate({mx::zeros({1}, mx::int32, s), c}, 0, s) : c;
}
}  // namespace

mx::array lengths_to_offsets(const mx::array& lengths, mx::StreamOrDevice s) {
  check_ndim("core.ragged", "lengths", lengths, 1);
  check_integer("core.ragged", "lengths", lengths);
  auto stream = op_stream(s);
  return int32_cumsum(as_int32(lengths, stream), /*leading_zero=*/true, stream);
}

mx::array offsets_to_lengths(const mx::array& offsets, mx::StreamOrDevice s) {
  check_ndim("core.ragged", "offsets", offsets, 1);
  check_integer("core.ragged", "offsets", offsets);
  int n = offsets.shape(0);
  if (n == 0) fail_argument("core.ragged", "offsets must have at least one element, got shape [0]");
  auto o = as_int32(offsets, s);
  return mx::subtract(mx::slice(o, {1}, {n}, s), mx::slice(o, {0}, {n - 1}, s), s);
}

mx::array segment_ids(const mx::array& offsets, int total, mx::StreamOrDevice s) {
  check_ndim("core.ragged", "offsets", offsets, 1);
  check_integer("core.ragged", "offsets", offsets);
  if (total < 0) fail_argument("core.ragged", "total must be >= 0, got " + std::to_string(total));
  int n = offsets.shape(0) - 1;
  if (n < 0) fail_argument("core.ragged", "offsets must have at least one element, got shape [0]");
  auto stream = op_stream(s);
  if (total == 0 || n <= 1) return mx::zeros({total}, mx::int32, stream);
  // Mark each segment start (offsets[1..n-1]) with +1 and prefix-sum the marks. scatter_add
  // accumulates duplicates, so empty segments (equal offsets) advance the id by several at once.
  // Starts at `total` (trailing empty segments) land in a spare slot that is sliced away.
  auto starts = mx::clip(mx::slice(as_int32(offsets, stream), {1}, {n}, stream), mx::array(0), mx::array(total), stream);
  auto marks = mx::scatter_add(mx::zeros({total + 1}, mx::int32, stream), starts,
                               mx::ones({n - 1, 1}, mx::int32, stream), 0, stream);
  return mx::slice(int32_cumsum(marks, /*leading_zero=*/false, stream), {0}, {total}, stream);
}

mx::array segment_ids(const mx::array& offsets, mx::StreamOrDevice s) {
  int n = offsets.shape(0);
  int total = mx::slice(as_int32(offsets, s), {n - 1}, {n}, s).item<int>();
  return segment_ids(offsets, total, s);
}

mx::array repeat_interleave(const mx::array& values, const mx::array& lengths, int total, mx::StreamOrDevice s) {
  if (values.ndim() == 0) fail_argument("core.ragged", "values must have at least one dimension");
  if (values.shape(0) != lengths.size()) {
    fail_argument("core.ragged", "lengths must have values.shape[0] = " + std::to_string(values.shape(0)) +
                                     " entries, got " + std::to_string(lengths.size()));
  }
  return mx::take(values, segment_ids(lengths_to_offsets(lengths, s), total, s), 0, s);
}

mx::array repeat_interleave(const mx::array& values, const mx::array& lengths, mx::StreamOrDevice s) {
  int total = lengths.size() == 0 ? 0 : mx::sum(as_int32(lengths, s), false, s).item<int>();
  return repeat_interleave(values, lengths, total, s);
}

mx::array inclusive_cumsum(const mx::array& x, int axis, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
  if (!dtype && mx::issubdtype(x.dtype(), mx::integer) && mx::size_of(x.dtype()) < 4) dtype = mx::int32;
  const bool int32_row = x.ndim() == 1 && (axis == 0 || axis == -1) && mx::issubdtype(x.dtype(), mx::integer) &&
                         (dtype ? *dtype : x.dtype()) == mx::int32;
  if (int32_row) return int32_cumsum(as_int32(x, s), /*leading_zero=*/false, op_stream(s));
  return mx::cumsum(x, axis, /*reverse=*/false, /*inclusive=*/true, dtype, s);
}

mx::array exclusive_cumsum(const mx::array& x, int axis, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
  if (!dtype && mx::issubdtype(x.dtype(), mx::integer) && mx::size_of(x.dtype()) < 4) dtype = mx::int32;
  return mx::cumsum(x, axis, /*reverse=*/false, /*inclusive=*/false, dtype, s);
}

void validate_lengths(const char* tag, const char* name, const mx::array& lengths) {
  check_ndim(tag, name, lengths, 1);
  check_integer(tag, name, lengths);
  if (lengths.size() == 0) return;
  int lo = mx::min(as_int32(lengths)).item<int>();
  if (lo < 0) fail_argument(tag, std::string(name) + " must be non-negative, got a length of " + std::to_string(lo));
}

void validate_offsets(const char* tag, const char* name, const mx::array& offsets, int total) {
  check_ndim(tag, name, offsets, 1);
  check_integer(tag, name, offsets);
  int n = offsets.shape(0);
  if (n == 0) fail_argument(tag, std::string(name) + " must have at least one element");
  auto o = as_int32(offsets);
  int first = mx::slice(o, {0}, {1}).item<int>();
  if (first != 0) fail_argument(tag, std::string(name) + "[0] must be 0, got " + std::to_string(first));
  if (n > 1 && mx::min(offsets_to_lengths(o)).item<int>() < 0) {
    fail_argument(tag, std::string(name) + " must be non-decreasing");
  }
  int last = mx::slice(o, {n - 1}, {n}).item<int>();
  if (total >= 0 && last != total) {
    fail_argument(tag, std::string(name) + " must end at " + std::to_string(total) + ", got " + std::to_string(last));
  }
}

Ragged Ragged::from_lengths(const mx::array& values, const mx::array& lengths) {
  auto offsets = lengths_to_offsets(lengths);
  validate_offsets("core.ragged", "lengths", offsets, values.ndim() ? values.shape(0) : -1);
  return Ragged{values, offsets};
}

}  // namespace robomlx
