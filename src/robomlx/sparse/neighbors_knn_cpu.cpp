// SPDX-License-Identifier: Apache-2.0
// CPU twin of knn_search. Points are bucketed on a grid sized for ~k points per occupied cell;
// each query visits rings of cells (Chebyshev distance d = 0, 1, 2, ...) around its own cell and
// keeps the k best (distance^2, index) pairs. After ring d every unvisited point is at least d
// cells (d * side) away along some axis, so the search stops once the k-th best is within that.
// Queries that would need very many rings (outliers, tiny batches) scan their batch directly.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/parallel.h"
#include "robomlx/sparse/neighbors_twins.h"

namespace robomlx::sparse::detail {

namespace {
constexpr int kMaxRing = 12;

struct HostGrid {
  float origin[3];
  float side;
  int64_t dims[3];
  std::vector<int64_t> keys;    // sorted cell keys
  std::vector<int32_t> order;   // point of each sorted slot
  int64_t key(int64_t b, int64_t c[3]) const { return ((b * dims[2] + c[2]) * dims[1] + c[1]) * dims[0] + c[0]; }
};

// Mean points per occupied cell at side h (host hash of cell coordinates).
double occupancy(const float* p, int n, const float lo[3], float h) {
  std::unordered_map<int64_t, int> cells;
  cells.reserve(n);
  for (int i = 0; i < n; ++i) {
    int64_t c[3];
    for (int a = 0; a < 3; ++a) c[a] = static_cast<int64_t>((p[3 * i + a] - lo[a]) / h) & 0x1FFFFF;
    ++cells[(c[2] << 42) | (c[1] << 21) | c[0]];
  }
  return static_cast<double>(n) / static_cast<double>(cells.size());
}

using Pair = std::pair<float, int32_t>;  // (distance^2, point index), ordered lexicographically
}  // namespace

KnnResult knn_cpu(const mx::array& points, const mx::array& queries, int k, const std::optional<mx::array>& point_batch,
                  const std::optional<mx::array>& query_batch, mx::Stream s) {
  auto pts = mx::contiguous(points, false, s), qs = mx::contiguous(queries, false, s);
  int n = pts.shape(0), q = qs.shape(0);
  auto pb = point_batch ? mx::astype(*point_batch, mx::int32, s) : mx::zeros({n}, mx::int32, s);
  auto qb = query_batch ? mx::astype(*query_batch, mx::int32, s) : mx::zeros({q}, mx::int32, s);
  mx::eval(pts, qs, pb, qb);
  const float* p = pts.data<float>();
  const float* x = qs.data<float>();
  const int32_t* pbat = pb.data<int32_t>();
  const int32_t* qbat = qb.data<int32_t>();

  float lo[3], hi[3];
  for (int a = 0; a < 3; ++a) lo[a] = hi[a] = p[a];
  int32_t num_batches = 0;
  for (int i = 0; i < n; ++i) {
    for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[3 * i + a]), hi[a] = std::max(hi[a], p[3 * i + a]);
    num_batches = std::max(num_batches, pbat[i] + 1);
  }
  for (int i = 0; i < q; ++i) num_batches = std::max(num_batches, qbat[i] + 1);
  float extent = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 1e-20f});
  // Cell side for ~k points per occupied cell: start from the bounding-box density, then correct
  // twice with the measured occupancy (real scans are surfaces, far from uniform).
  float h = static_cast<float>(std::cbrt(double(extent) * extent * extent * k / n));
  for (int it = 0; it < 2; ++it) {
    h *= static_cast<float>(std::sqrt(k / std::max(occupancy(p, n, lo, h), 1e-3)));
    h = std::max(h, extent * 1e-5f);
  }
  HostGrid g;
  g.side = h;
  double cells = num_batches;
  for (int a = 0; a < 3; ++a) {
    g.origin[a] = lo[a];
    g.dims[a] = static_cast<int64_t>((hi[a] - lo[a]) / h) + 1;
    cells *= static_cast<double>(g.dims[a]);
  }
  if (cells > 4.0e18) g.side = extent, g.dims[0] = g.dims[1] = g.dims[2] = 1;  // degenerate: one cell
  auto cell_of = [&](const float* v, int64_t c[3]) {
    for (int a = 0; a < 3; ++a) {
      c[a] = std::clamp<int64_t>(static_cast<int64_t>(std::floor((v[a] - g.origin[a]) / g.side)), 0, g.dims[a] - 1);
    }
  };
  std::vector<std::pair<int64_t, int32_t>> keyed(n);
  for (int i = 0; i < n; ++i) {
    int64_t c[3];
    cell_of(p + 3 * i, c);
    keyed[i] = {g.key(pbat[i], c), i};
  }
  std::sort(keyed.begin(), keyed.end());
  g.keys.resize(n);
  g.order.resize(n);
  for (int i = 0; i < n; ++i) g.keys[i] = keyed[i].first, g.order[i] = keyed[i].second;

  std::vector<int32_t> out_idx(static_cast<size_t>(q) * k, -1);
  std::vector<float> out_dist(static_cast<size_t>(q) * k, std::numeric_limits<float>::infinity());
  auto work = [&](int begin, int end) {
    std::vector<Pair> heap;
    for (int i = begin; i < end; ++i) {
      const float* xi = x + 3 * i;
      heap.clear();
      auto offer = [&](int32_t j) {
        const float* pj = p + 3 * static_cast<int64_t>(j);
        float dx = pj[0] - xi[0], dy = pj[1] - xi[1], dz = pj[2] - xi[2];
        Pair cand{(dx * dx + dy * dy) + dz * dz, j};
        if (static_cast<int>(heap.size()) < k) {
          heap.push_back(cand);
          std::push_heap(heap.begin(), heap.end());
        } else if (cand < heap.front()) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = cand;
          std::push_heap(heap.begin(), heap.end());
        }
      };
      int64_t c0[3];
      cell_of(xi, c0);
      int64_t max_ring = std::max({g.dims[0], g.dims[1], g.dims[2]});
      bool done = false;
      for (int64_t d = 0; d <= std::min<int64_t>(max_ring, kMaxRing) && !done; ++d) {
        for (int64_t cz = c0[2] - d; cz <= c0[2] + d; ++cz) {
          for (int64_t cy = c0[1] - d; cy <= c0[1] + d; ++cy) {
            bool face = cz == c0[2] - d || cz == c0[2] + d || cy == c0[1] - d || cy == c0[1] + d;
            for (int64_t cx = c0[0] - d; cx <= c0[0] + d; cx += (face || d == 0) ? 1 : 2 * d) {
              if (cx < 0 || cy < 0 || cz < 0 || cx >= g.dims[0] || cy >= g.dims[1] || cz >= g.dims[2]) continue;
              int64_t c[3] = {cx, cy, cz};
              int64_t key = g.key(qbat[i], c);
              auto first = std::lower_bound(g.keys.begin(), g.keys.end(), key);
              for (auto it = first; it != g.keys.end() && *it == key; ++it) offer(g.order[it - g.keys.begin()]);
            }
          }
        }
        float reach = static_cast<float>(d) * g.side;
        done = static_cast<int>(heap.size()) == k && heap.front().first <= reach * reach;
        if (d >= max_ring) done = true;  // every cell of the grid has been visited
      }
      if (!done) {  // outlier or tiny batch: scan the whole batch
        heap.clear();
        for (int j = 0; j < n; ++j) {
          if (pbat[j] == qbat[i]) offer(j);
        }
      }
      std::sort_heap(heap.begin(), heap.end());
      for (size_t e = 0; e < heap.size(); ++e) {
        out_idx[static_cast<size_t>(i) * k + e] = heap[e].second;
        out_dist[static_cast<size_t>(i) * k + e] = std::sqrt(heap[e].first);
      }
    }
  };
  parallel_for(q, 1024, work);  // queries are independent; >= 1024 per thread
  return KnnResult{mx::array(out_idx.data(), {q, k}, mx::int32), mx::array(out_dist.data(), {q, k}, mx::float32)};
}

}  // namespace robomlx::sparse::detail
