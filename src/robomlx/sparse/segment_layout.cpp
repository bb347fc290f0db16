// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/segment_layout.h"

#include <algorithm>
#include <limits>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/ragged.h"
#include "robomlx/sparse/operand_checks_internal.h"
#include "robomlx/sparse/segment_layout_internal.h"
#include "robomlx/sparse/segment_reduce_twins.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.SegmentLayout";

void check_total(int total) {
  if (total < 0) fail_argument(kTag, "total must be >= 0, got " + std::to_string(total));
}

// Host scan of offsets [K + 1] (one synchronisation): starts at 0, non-decreasing, ends at
// `total` when total >= 0. Returns offsets[K]; `host` receives the lengths.
int64_t scan_offsets(const mx::array& offsets, int64_t total, detail::HostLengths* host, mx::Stream s) {
  auto c = mx::astype(offsets, mx::int64, s);
  c.eval();
  const int64_t* v = c.data<int64_t>();
  if (v[0] != 0) fail_argument(kTag, "offsets[0] must be 0, got " + std::to_string(v[0]));
  for (size_t k = 1; k < c.size(); ++k) {
    if (v[k] < v[k - 1]) {
      fail_argument(kTag, "offsets must be non-decreasing, got " + std::to_string(v[k]) + " after " +
                              std::to_string(v[k - 1]) + " at position " + std::to_string(k));
    }
    if (host) {
      host->values.push_back(static_cast<int>(v[k] - v[k - 1]));
      host->max = std::max(host->max, host->values.back());
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

// The dtype and total checks, and with IndexCheck::host the value check, whose host read of the
// lengths it returns (else null).
std::shared_ptr<const detail::HostLengths> checked_lengths(const mx::array& lengths, int total, IndexCheck check,
                                                           mx::Stream s) {
  detail::as_index(kTag, "lengths", lengths, s);
  check_total(total);
  return check == IndexCheck::host ? detail::check_lengths(kTag, lengths, total, "total", s) : nullptr;
}

// Inclusive prefix sum of int32 lengths [K]: the CUDA scan on CUDA streams (MLX's gives the whole
// row to one thread block), else MLX's.
mx::array ends_of(const mx::array& lengths, mx::Stream s) {
  if (lengths.size() == 0) return mx::zeros({0}, mx::int32, s);
  return inclusive_cumsum(lengths, 0, std::nullopt, s);  // core's CUDA twin on a CUDA stream
}
}  // namespace

namespace detail {

std::shared_ptr<const HostLengths> check_lengths(const char* tag, const mx::array& lengths, int64_t total,
                                                 const char* total_name, mx::Stream s) {
  if (s.device != mx::Device::cpu && lengths.size() > 0) {
    // On a GPU: min, max and sum reduced on the device and read back in one synchronisation; the
    // lengths come to the host only when a segment is long enough for a split plan (or to name
    // the first bad one), not on every call.
    auto l = mx::astype(lengths, mx::int64, s);
    auto lo = mx::min(l, s), hi = mx::max(l, s), sum = mx::sum(l, s);
    mx::eval(lo, hi, sum);
    if (lo.item<int64_t>() >= 0 && sum.item<int64_t>() == total && hi.item<int64_t>() <= kNoSplitUpTo) {
      auto host = std::make_shared<HostLengths>();
      host->max = static_cast<int>(hi.item<int64_t>());
      return host;
    }
  }
  auto c = mx::astype(lengths, mx::int64, s);
  c.eval();
  const int64_t* v = c.data<int64_t>();
  auto host = std::make_shared<HostLengths>();
  host->values.resize(c.size());
  int64_t sum = 0;
  for (size_t k = 0; k < c.size(); ++k) {
    if (v[k] < 0) {
      fail_argument(tag, "lengths must be >= 0, got " + std::to_string(v[k]) + " at position " + std::to_string(k));
    }
    sum += v[k];
    // A length past int32 makes the sum check below fail (total is an int).
    host->values[k] = static_cast<int>(std::min<int64_t>(v[k], std::numeric_limits<int>::max()));
    host->max = std::max(host->max, host->values[k]);
  }
  if (sum != total) {
    fail_argument(tag, std::string("lengths must sum to ") + total_name + " (" + std::to_string(total) + "), got " +
                           std::to_string(sum));
  }
  return host;
}

SegmentLayout SegmentLayoutAccess::per_call(const mx::array& lengths, int total,
                                            std::shared_ptr<const HostLengths> host, mx::Stream s) {
  SegmentLayout layout(lengths, total, std::nullopt, /*table=*/false, std::move(host), s);
  if (layout.split_) layout.split_->reused = false;
  return layout;
}

SegmentLayout SegmentLayoutAccess::from_host(const std::vector<int>& lengths, int total, mx::Stream s) {
  std::vector<int> ends(lengths.size());
  int64_t run = 0;
  for (size_t k = 0; k < lengths.size(); ++k) ends[k] = static_cast<int>(run += lengths[k]);
  const int K = static_cast<int>(lengths.size());
  return SegmentLayout(mx::array(lengths.data(), {K}, mx::int32), total, mx::array(ends.data(), {K}, mx::int32),
                       /*table=*/true, nullptr, s);
}

const std::vector<SegmentLayout>* SegmentLayoutAccess::split_plan(const SegmentLayout& layout, int D, mx::Stream s) {
  SegmentSplitState* state = layout.split_.get();
  const SplitRule rule = split_rule(D, state ? state->reused : true);
  if (!state || state->host->max <= rule.above) return nullptr;
  std::lock_guard<std::mutex> lock(state->mutex);
  auto& plan = state->plans[D == 1 ? 0 : 1];
  if (!plan) plan = split_levels(state->host->values, rule.piece, s);
  return plan->empty() ? nullptr : &*plan;
}

}  // namespace detail

SegmentLayout::SegmentLayout(mx::array lengths, int total, std::optional<mx::array> ends, bool table,
                             std::shared_ptr<const detail::HostLengths> host, mx::Stream s)
    : lengths_(std::move(lengths)), ends_(ends ? std::move(*ends) : ends_of(lengths_, s)), total_(total) {
  if (host) {
    split_ = std::make_shared<detail::SegmentSplitState>();
    split_->host = std::move(host);
  }
  // The table is lazy: it costs nothing unless a CUDA D == 1 reduction is evaluated, and the
  // first one evaluates it for all later ones. K == 0 never reaches a kernel.
  if (table && is_cuda_device(s.device) && size() > 0) {
    table_ = detail::segment_tile_table_gpu(ends_, total_, s);
  }
}

SegmentLayout::SegmentLayout(const mx::array& lengths, int total, IndexCheck check, mx::StreamOrDevice s)
    : SegmentLayout(lengths, total, checked_lengths(lengths, total, check, op_stream(s)), op_stream(s)) {}

SegmentLayout::SegmentLayout(const mx::array& lengths, int total, std::shared_ptr<const detail::HostLengths> host,
                             mx::Stream s)
    : SegmentLayout(detail::as_index(kTag, "lengths", lengths, s), total, std::nullopt, true, std::move(host), s) {}

std::optional<int> SegmentLayout::max_length() const {
  if (!split_) return std::nullopt;
  return split_->host->max;
}

SegmentLayout SegmentLayout::from_offsets(const mx::array& offsets, IndexCheck check, mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  auto o = detail::as_index(kTag, "offsets", offsets, stream);
  if (o.size() == 0) fail_argument(kTag, "offsets must have at least one element [K + 1], got shape [0]");
  if (check == IndexCheck::host) {
    auto host = std::make_shared<detail::HostLengths>();
    int total = static_cast<int>(scan_offsets(offsets, -1, host.get(), stream));
    return SegmentLayout(OffsetsTag{}, o, total, std::move(host), stream);
  }
  int n = o.size();
  return SegmentLayout(OffsetsTag{}, o, mx::slice(o, {n - 1}, {n}, stream).item<int>(), nullptr, stream);
}

SegmentLayout SegmentLayout::from_offsets(const mx::array& offsets, int total, IndexCheck check,
                                          mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  auto o = detail::as_index(kTag, "offsets", offsets, stream);
  if (o.size() == 0) fail_argument(kTag, "offsets must have at least one element [K + 1], got shape [0]");
  check_total(total);
  std::shared_ptr<detail::HostLengths> host;
  if (check == IndexCheck::host) {
    host = std::make_shared<detail::HostLengths>();
    scan_offsets(offsets, total, host.get(), stream);
  }
  return SegmentLayout(OffsetsTag{}, o, total, std::move(host), stream);
}

// From checked int32 offsets [K + 1]: ends are offsets[1:], no prefix sum.
SegmentLayout::SegmentLayout(OffsetsTag, const mx::array& offsets, int total,
                             std::shared_ptr<const detail::HostLengths> host, mx::Stream s)
    : SegmentLayout(offsets_to_lengths(offsets, s), total, mx::slice(offsets, {1}, {offsets.shape(0)}, s), true,
                    std::move(host), s) {}

}  // namespace robomlx::sparse
