// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.neighbors: neighbors_gpu.cpp's radius-search kernels (count: binary search of
// each query's 8 candidate cells in the sorted keys, ranges and counts; fill: the neighbours at the
// query's offset) on the host emulator, bit for bit (indices, counts, squared distances) against
// a plain walk over the same grid in the portable path's order (query, cell, sorted slot), and
// as sets against brute force over all points. The grid (keys, order, candidate cells) is built
// here the way neighbors_grid.cpp builds it: cells a little wider than 2R, a 2x2x2 block a query.
#include <numeric>
#include <random>

#include "sparse_kernels.h"

namespace {

float d2(const float* p, int j, const float* q) {
  const float dx = p[3 * j] - q[0], dy = p[3 * j + 1] - q[1], dz = p[3 * j + 2] - q[2];
  return dx * dx + dy * dy + dz * dz;
}

void run(int n, int q, float radius, float extent, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-extent, extent);
  std::vector<float> points(3 * n), queries(3 * q);
  for (auto& v : points) v = u(rng);
  for (auto& v : queries) v = u(rng);
  for (int i = 0; i < std::min(n, q) / 4; ++i)  // some queries on points: distance 0
    std::copy(&points[3 * i], &points[3 * i + 3], &queries[3 * (q - 1 - i)]);
  // The grid.
  float lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    lo[a] = hi[a] = points.empty() ? 0.0f : points[a];
    for (int i = 0; i < n; ++i) lo[a] = std::min(lo[a], points[3 * i + a]), hi[a] = std::max(hi[a], points[3 * i + a]);
    for (int i = 0; i < q; ++i) lo[a] = std::min(lo[a], queries[3 * i + a]), hi[a] = std::max(hi[a], queries[3 * i + a]);
  }
  const float slack = 1e-4f * (extent + radius), side = 2 * radius + 4 * slack;
  float origin[3];
  int64_t dims[3];
  for (int a = 0; a < 3; ++a) origin[a] = lo[a] - side, dims[a] = int64_t(std::floor((hi[a] - origin[a]) / side)) + 2;
  auto key = [&](int64_t cx, int64_t cy, int64_t cz) { return (cz * dims[1] + cy) * dims[0] + cx; };
  auto cell = [&](float v, int a) { return int64_t(std::floor((v - origin[a]) / side)); };
  std::vector<int64_t> keys(n);
  for (int i = 0; i < n; ++i) keys[i] = key(cell(points[3 * i], 0), cell(points[3 * i + 1], 1), cell(points[3 * i + 2], 2));
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] < keys[b]; });
  std::vector<int64_t> sorted_keys(n), cell_keys(size_t(q) * 8);
  for (int s = 0; s < n; ++s) sorted_keys[s] = keys[order[s]];
  for (int i = 0; i < q; ++i) {
    int64_t base[3];
    for (int a = 0; a < 3; ++a) base[a] = cell(queries[3 * i + a] - (radius + slack), a);
    for (int c = 0; c < 8; ++c) cell_keys[size_t(i) * 8 + c] = key(base[0] + (c & 1), base[1] + (c >> 1 & 1), base[2] + (c >> 2));
  }
  // Reference: the walk over the candidate cells in order, and brute force.
  const float r2 = radius * radius;
  std::vector<int32_t> want_q, want_j, want_counts(q, 0);
  std::vector<float> want_d;
  for (int i = 0; i < q; ++i) {
    for (int c = 0; c < 8; ++c)
      for (int s = 0; s < n; ++s)
        if (sorted_keys[s] == cell_keys[size_t(i) * 8 + c])
          if (const float d = d2(points.data(), order[s], &queries[3 * i]); d <= r2)
            want_q.push_back(i), want_j.push_back(order[s]), want_d.push_back(d), ++want_counts[i];
    int brute = 0;
    for (int j = 0; j < n; ++j) brute += d2(points.data(), j, &queries[3 * i]) <= r2;
    if (brute != want_counts[i]) emu_fail("grid of the test: query %d has %d neighbours, its cells %d", i, brute, want_counts[i]);
  }
  // The kernels: count, exclusive scan of the counts (MLX's cumsum there), fill.
  const int32_t dims_in[2] = {n, q};
  const unsigned threads = (q + 255) / 256 * 256;
  std::vector<int32_t> counts(q, -1), ranges(size_t(q) * 16, -1);
  mlx_launch_serial({threads}, {256}, [&] {
    robomlx_sparse_radius_count::kernel(sorted_keys.data(), cell_keys.data(), order.data(), points.data(), queries.data(),
                                        &r2, dims_in, counts.data(), ranges.data());
  });
  if (counts != want_counts) emu_fail("n=%d q=%d: counts differ", n, q);
  std::vector<int32_t> offsets(q + 1, 0);
  for (int i = 0; i < q; ++i) offsets[i + 1] = offsets[i] + counts[i];
  const int total = offsets[q];
  std::vector<int32_t> got_q(total, -1), got_j(total, -1);
  std::vector<float> got_d(total, -1.0f);
  mlx_launch_serial({threads}, {256}, [&] {
    robomlx_sparse_radius_fill::kernel(ranges.data(), offsets.data(), order.data(), points.data(), queries.data(), &r2,
                                       dims_in, got_q.data(), got_j.data(), got_d.data());
  });
  std::printf("radius search n=%d q=%d R=%g: %d neighbours\n", n, q, radius, total);
  if (got_q != want_q || got_j != want_j) emu_fail("n=%d q=%d: neighbour lists differ", n, q);
  for (int e = 0; e < std::min<int>(total, int(want_d.size())); ++e)
    if (__float_as_int(got_d[e]) != __float_as_int(want_d[e])) {
      emu_fail("n=%d q=%d: dist_sq[%d] = %g, want %g", n, q, e, got_d[e], want_d[e]);
      break;
    }
}

}  // namespace

int main() {
  std::mt19937 rng(17);
  run(4, 4, 0.5f, 1.0f, rng);
  run(300, 70, 0.15f, 1.0f, rng);
  run(500, 300, 0.4f, 2.0f, rng);
  run(200, 50, 5.0f, 1.0f, rng);  // the whole cloud in a few cells
  return emu_finish("kernels.emu.neighbors");
}
