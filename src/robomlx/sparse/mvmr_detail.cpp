// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/mvmr_detail.h"

#include <algorithm>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"

namespace robomlx::sparse::detail {

mx::array as_index(const char* tag, const char* name, const mx::array& idx) {
  check_ndim(tag, name, idx, 1);
  check_dtype(tag, name, idx, {mx::int32, mx::int64});
  return idx.dtype() == mx::int32 ? idx : mx::astype(idx, mx::int32);
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

IndexScan scan_on_host(const char* tag, const char* name, const mx::array& idx, int64_t limit) {
  auto c = mx::contiguous(idx);
  c.eval();
  if (c.dtype() == mx::int32) return scan_values(tag, name, c.data<int32_t>(), c.size(), limit);
  return scan_values(tag, name, c.data<int64_t>(), c.size(), limit);
}
}  // namespace

std::vector<IndexScan> scan_indices(const char* tag, const std::vector<IndexToScan>& arrays) {
  for (const auto& x : arrays) {
    check_ndim(tag, x.name, x.idx, 1);
    check_dtype(tag, x.name, x.idx, {mx::int32, mx::int64});
  }
  std::vector<IndexScan> scans(arrays.size());
  if (mx::default_device() == mx::Device::cpu) {
    for (size_t i = 0; i < arrays.size(); ++i) scans[i] = scan_on_host(tag, arrays[i].name, arrays[i].idx, arrays[i].limit);
    return scans;
  }
  // On a GPU: min, max and "sorted" of every array reduced on the device and read back in one
  // synchronisation, instead of copying the arrays to the host (5.6 ms for 3 x 1M indices on an
  // H100). The host scan runs only to name the first bad position.
  std::vector<mx::array> stats;
  for (const auto& x : arrays) {
    const int n = x.idx.size();
    if (n == 0) continue;
    stats.push_back(mx::astype(mx::min(x.idx), mx::int64));
    stats.push_back(mx::astype(mx::max(x.idx), mx::int64));
    stats.push_back(n > 1 ? mx::all(mx::greater_equal(mx::slice(x.idx, {1}, {n}), mx::slice(x.idx, {0}, {n - 1})))
                          : mx::array(true));
  }
  mx::eval(stats);
  size_t k = 0;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (arrays[i].idx.size() == 0) continue;
    const bool in_range = stats[k].item<int64_t>() >= 0 && stats[k + 1].item<int64_t>() < arrays[i].limit;
    scans[i] = in_range ? IndexScan{.sorted = stats[k + 2].item<bool>()}
                        : scan_on_host(tag, arrays[i].name, arrays[i].idx, arrays[i].limit);
    k += 3;
  }
  return scans;
}

IndexScan scan_index(const char* tag, const char* name, const mx::array& idx, int64_t limit) {
  return scan_indices(tag, {{name, idx, limit}})[0];
}

CheckedTriplets check_triplets(const char* tag, const mx::array& a_idx, const mx::array& b_idx, const mx::array& o_idx,
                               int64_t a_limit, int64_t b_limit, int64_t o_limit, bool scan) {
  CheckedTriplets t{as_index(tag, "a_idx", a_idx), as_index(tag, "b_idx", b_idx), as_index(tag, "o_idx", o_idx), {}};
  for (auto [name, idx] : {std::pair{"b_idx", &t.b}, std::pair{"o_idx", &t.o}}) {
    if (idx->size() != t.a.size()) {
      fail_argument(tag, std::string(name) + " must have the same length as a_idx (" + std::to_string(t.a.size()) +
                             "), got " + std::to_string(idx->size()));
    }
  }
  if (scan) {
    auto s = scan_indices(tag, {{"a_idx", a_idx, a_limit}, {"b_idx", b_idx, b_limit}, {"o_idx", o_idx, o_limit}});
    t.order = {.a_sorted = s[0].sorted, .o_sorted = s[2].sorted};
  }
  return t;
}

mx::Dtype accum_dtype(mx::Dtype dtype) { return dtype == mx::float64 ? mx::float64 : mx::float32; }

mx::Dtype operand_dtype(const char* tag, const mx::array& a, const mx::array& b) {
  check_dtype(tag, "a", a, {mx::float32, mx::float16, mx::bfloat16, mx::float64});
  check_dtype(tag, "b", b, {mx::float32, mx::float16, mx::bfloat16, mx::float64});
  return mx::promote_types(a.dtype(), b.dtype());
}

void bucket_by_key(const int32_t* key, int64_t T, int64_t n, int64_t* offsets, int32_t* order) {
  std::fill(offsets, offsets + n + 1, 0);
  for (int64_t t = 0; t < T; ++t) ++offsets[key[t] + 1];
  for (int64_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
  std::vector<int64_t> fill(offsets, offsets + n);
  for (int64_t t = 0; t < T; ++t) order[fill[key[t]]++] = static_cast<int32_t>(t);
}

}  // namespace robomlx::sparse::detail
