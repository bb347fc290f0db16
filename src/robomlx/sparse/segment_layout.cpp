// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/segment_layout.h"

#include <limits>
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/scan_cuda.h"
#include "robomlx/sparse/mvmr_detail.h"
#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.SegmentLayout";

void check_total(int total) {
  if (total < 0) fail_argument(kTag, "total must be >= 0, got " + std::to_string(total));
}

// Host scan of offsets [K + 1] (one synchronisation): starts at 0, non-decreasing, ends at
// `total` when total >= 0. Returns offsets[K].
int64_t scan_offsets(const mx::array& offsets, int64_t total) {
  auto c = mx::astype(offsets, mx::int64);
  c.eval();
  const int64_t* v = c.data<int64_t>();
  if (v[0] != 0) fail_argument(kTag, "offsets[0] must be 0, got " + std::to_string(v[0]));
  for (size_t k = 1; k < c.size(); ++k) {
    if (v[k] < v[k - 1]) {
      fail_argument(kTag, "offsets must be non-decreasing, got " + std::to_string(v[k]) + " after " +
                              std::to_string(v[k - 1]) + " at position " + std::to_string(k));
    }
  }
  int64_t last = v[c.size() - 1];
  if (total >= 0 && last != total) {
    fail_argument(kTag, "offsets must end at total (" + std::to_string(total) + "), got " + std::to_string(last));
  }
  if (last > std::numeric_limits<int>::max()) {
    fail_argument(kTag, "offsets must end at most at 2^31 - 1, got " + std::to_string(last));
  }
  return last;
}

// lengths as int32, after the dtype check and (host) the value check.
mx::array checked_lengths(const mx::array& lengths, int total, IndexCheck check) {
  auto len = detail::as_index(kTag, "lengths", lengths);
  check_total(total);
  if (check == IndexCheck::host) detail::check_lengths(kTag, lengths, total, "total");
  return len;
}

// Inclusive prefix sum of int32 lengths [K]: the CUDA scan on CUDA devices (MLX's gives the whole
// row to one thread block), else MLX's.
mx::array ends_of(const mx::array& lengths) {
  if (lengths.size() == 0) return mx::zeros({0}, mx::int32);
  if (is_cuda_device(mx::default_device())) return cumsum_int32_cuda(lengths, /*leading_zero=*/false);
  return mx::cumsum(lengths, 0);
}
}  // namespace

namespace detail {

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

SegmentLayout SegmentLayoutAccess::per_call(const mx::array& lengths, int total) {
  return SegmentLayout(lengths, total, std::nullopt, /*table=*/false);
}

}  // namespace detail

SegmentLayout::SegmentLayout(mx::array lengths, int total, std::optional<mx::array> ends, bool table)
    : lengths_(std::move(lengths)), ends_(ends ? std::move(*ends) : ends_of(lengths_)), total_(total) {
  // The table is lazy: it costs nothing unless a CUDA D == 1 reduction is evaluated, and the
  // first one evaluates it for all later ones. K == 0 never reaches a kernel.
  if (table && is_cuda_device(mx::default_device()) && size() > 0) {
    table_ = detail::segment_tile_table_cuda(ends_, total_);
  }
}

SegmentLayout::SegmentLayout(const mx::array& lengths, int total, IndexCheck check)
    : SegmentLayout(checked_lengths(lengths, total, check), total, std::nullopt) {}

SegmentLayout SegmentLayout::from_offsets(const mx::array& offsets, IndexCheck check) {
  auto o = detail::as_index(kTag, "offsets", offsets);
  if (o.size() == 0) fail_argument(kTag, "offsets must have at least one element [K + 1], got shape [0]");
  int total = 0;
  if (check == IndexCheck::host) {
    total = static_cast<int>(scan_offsets(offsets, -1));
  } else {
    int n = o.size();
    total = mx::slice(o, {n - 1}, {n}).item<int>();
  }
  return from_offsets(offsets, total, IndexCheck::none);
}

SegmentLayout SegmentLayout::from_offsets(const mx::array& offsets, int total, IndexCheck check) {
  auto o = detail::as_index(kTag, "offsets", offsets);
  int n = o.size();
  if (n == 0) fail_argument(kTag, "offsets must have at least one element [K + 1], got shape [0]");
  check_total(total);
  if (check == IndexCheck::host) scan_offsets(offsets, total);
  // ends are offsets[1:], no prefix sum.
  auto ends = mx::slice(o, {1}, {n});
  auto lengths = mx::subtract(ends, mx::slice(o, {0}, {n - 1}));
  return SegmentLayout(lengths, total, ends);
}

}  // namespace robomlx::sparse
