// SPDX-License-Identifier: Apache-2.0
// Radius search, count pass (launched by neighbors_gpu.cpp; header: neighbors.cuh), one thread per
// query: binary-search the query's 8 cells in the sorted keys, record the slot ranges and count the
// points within R. Inputs sorted_keys int64 [N], cell_keys int64 [Q * 8], order int32 [N], points,
// queries float32 [., 3], radius_sq float32 [1], dims int32 {N, Q}. Outputs counts int32 [Q],
// ranges int32 [Q * 16].

  const int n = dims[0], q = dims[1];
  const int64_t i = (int64_t)RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (i >= q) return;
  const float r2 = radius_sq[0];
  const float qx = queries[3 * i], qy = queries[3 * i + 1], qz = queries[3 * i + 2];
  int count = 0;
  for (int c = 0; c < 8; ++c) {
    const int64_t key = cell_keys[i * 8 + c];
    int lo = 0, hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >> 1;
      if (sorted_keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    const int first = lo;
    hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >> 1;
      if (sorted_keys[mid] <= key) lo = mid + 1; else hi = mid;
    }
    ranges[i * 16 + 2 * c] = first;
    ranges[i * 16 + 2 * c + 1] = lo;
    for (int s = first; s < lo; ++s) count += robomlx_d2(points, order[s], qx, qy, qz) <= r2;
  }
  counts[i] = count;
