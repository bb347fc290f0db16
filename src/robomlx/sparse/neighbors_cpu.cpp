// SPDX-License-Identifier: Apache-2.0
// CPU twin of the candidate scan. The search already synchronises (its output size depends on the
// data), so instead of a Primitive it runs a two-pass count/fill over the evaluated grid on a few
// host threads, producing exactly the portable path's order: query, then cell, then sorted slot.
// When asked, it also sorts and caps each query's list on the host (same (distance, index) rule).
#include <algorithm>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/parallel.h"
#include "robomlx/sparse/neighbors_twins.h"

namespace robomlx::sparse::detail {

namespace {
// Queries are independent; below ~2048 per thread the thread start-up outweighs the scan.
constexpr int64_t kMinQueriesPerThread = 2048;
}  // namespace

std::vector<mx::array> scan_cells_cpu(const SearchGrid& grid, const mx::array& points, const mx::array& queries,
                                      bool sort, int cap, mx::Stream s) {
  auto pts = mx::contiguous(points, false, s), qs = mx::contiguous(queries, false, s);
  mx::eval(pts, qs);
  int n = pts.shape(0), q = qs.shape(0);
  const int64_t* keys = grid.sorted_keys.data<int64_t>();
  const int32_t* order = grid.order.data<int32_t>();
  const int64_t* cells = grid.cell_keys.data<int64_t>();
  const float* p = pts.data<float>();
  const float* x = qs.data<float>();
  const float r2 = grid.radius_sq;

  // Pass 1: per query, the 8 slot ranges and the number of points within R.
  std::vector<int32_t> ranges(static_cast<size_t>(q) * 16);
  std::vector<int32_t> counts(q);
  parallel_for(q, kMinQueriesPerThread, [&](int lo, int hi) {
    for (int i = lo; i < hi; ++i) {
      int count = 0;
      for (int c = 0; c < 8; ++c) {
        int64_t key = cells[i * 8 + c];
        auto first = std::lower_bound(keys, keys + n, key) - keys;
        auto last = std::upper_bound(keys + first, keys + n, key) - keys;
        ranges[i * 16 + 2 * c] = static_cast<int32_t>(first);
        ranges[i * 16 + 2 * c + 1] = static_cast<int32_t>(last);
        for (auto s = first; s < last; ++s) {
          const float* pj = p + 3 * static_cast<int64_t>(order[s]);
          float dx = pj[0] - x[3 * i], dy = pj[1] - x[3 * i + 1], dz = pj[2] - x[3 * i + 2];
          float d2 = (dx * dx + dy * dy) + dz * dz;
          count += d2 <= r2;
        }
      }
      counts[i] = count;
    }
  });
  std::vector<int64_t> offsets(q + 1, 0);
  for (int i = 0; i < q; ++i) offsets[i + 1] = offsets[i] + counts[i];
  int64_t total = offsets[q];

  // Pass 2: fill in the same order.
  std::vector<int32_t> qi(total), idx(total);
  std::vector<float> dist(total);
  parallel_for(q, kMinQueriesPerThread, [&](int lo, int hi) {
    for (int i = lo; i < hi; ++i) {
      int64_t out = offsets[i];
      for (int c = 0; c < 8; ++c) {
        for (int s = ranges[i * 16 + 2 * c]; s < ranges[i * 16 + 2 * c + 1]; ++s) {
          int32_t j = order[s];
          const float* pj = p + 3 * static_cast<int64_t>(j);
          float dx = pj[0] - x[3 * i], dy = pj[1] - x[3 * i + 1], dz = pj[2] - x[3 * i + 2];
          float d2 = (dx * dx + dy * dy) + dz * dz;
          if (d2 <= r2) {
            qi[out] = i;
            idx[out] = j;
            dist[out] = d2;
            ++out;
          }
        }
      }
    }
  });
  if (sort || cap > 0) {
    // Order each query's list by (distance, index) and keep the first `cap`, in place per query;
    // the lists are short, so this beats three global sorts by far.
    std::vector<int32_t> kept(q);
    parallel_for(q, kMinQueriesPerThread, [&](int lo, int hi) {
      std::vector<std::pair<float, int32_t>> buf;
      for (int i = lo; i < hi; ++i) {
        int64_t b = offsets[i], e = offsets[i + 1];
        buf.clear();
        for (int64_t s = b; s < e; ++s) buf.emplace_back(dist[s], idx[s]);
        int64_t keep = cap > 0 ? std::min<int64_t>(cap, e - b) : e - b;
        std::partial_sort(buf.begin(), buf.begin() + keep, buf.end());
        for (int64_t s = 0; s < keep; ++s) dist[b + s] = buf[s].first, idx[b + s] = buf[s].second;
        kept[i] = static_cast<int32_t>(keep);
      }
    });
    int64_t out = 0;
    for (int i = 0; i < q; ++i) {
      for (int64_t s = offsets[i]; s < offsets[i] + kept[i]; ++s, ++out) {
        qi[out] = qi[s], idx[out] = idx[s], dist[out] = dist[s];
      }
    }
    total = out;
    counts = kept;
  }
  int t = static_cast<int>(total);
  return {mx::array(qi.data(), {t}, mx::int32), mx::array(idx.data(), {t}, mx::int32),
          mx::array(dist.data(), {t}, mx::float32), mx::array(counts.data(), {q}, mx::int32)};
}

}  // namespace robomlx::sparse::detail
