// SPDX-License-Identifier: Apache-2.0
// Radius search, fill pass (launched by neighbors_gpu.cpp; header: neighbors.cuh), one thread per
// query: rewrites the points within R at the query's offset (exclusive scan of the counts), in the
// portable path's order. Inputs ranges (neighbors_radius_count.cu), offsets int32 [Q + 1], order,
// points, queries, radius_sq, dims. Outputs query_ids, indices int32, dist_sq float32 [total].

  const int q = dims[1];
  const int64_t i = (int64_t)RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (i >= q) return;
  const float r2 = radius_sq[0];
  const float qx = queries[3 * i], qy = queries[3 * i + 1], qz = queries[3 * i + 2];
  int out = offsets[i];
  for (int c = 0; c < 8; ++c) {
    for (int s = ranges[i * 16 + 2 * c]; s < ranges[i * 16 + 2 * c + 1]; ++s) {
      const int j = order[s];
      const float d2 = robomlx_d2(points, j, qx, qy, qz);
      if (d2 <= r2) {
        query_ids[out] = (int)i;
        indices[out] = j;
        dist_sq[out] = d2;
        ++out;
      }
    }
  }
