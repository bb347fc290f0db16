// SPDX-License-Identifier: Apache-2.0
// The tile table of segment_reduce_tile.cu (launched by segment_reduce_tile_gpu.cpp).
// first[b] for b = 0 .. B (B = the number of tiles of the values_shape[0] values): the first segment k
// whose start s_k is >= TILE b (s_0 = 0, s_k = ends[k - 1]), K if none. Thread k writes the b
// whose first segment it is, b in (s_{k-1} / TILE, s_k / TILE] (k = K: up to B), so every entry
// is written once. (Each tile block used to find its range by a 32-ary search: four dependent
// global round trips while the rest of the block waited at a barrier.) Launch: K + 1 threads.

  const int T = values_shape[0], K = ends_shape[0];
  const int B = T > 0 ? (T + TILE - 1) / TILE : 1;
  const int k = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (k > K) return;
  const int lo = k == 0 ? 0 : (k >= 2 ? ends[k - 2] : 0) / TILE + 1;
  const int hi = k == K ? B : min((k >= 1 ? ends[k - 1] : 0) / TILE, B);
  for (int b = lo; b <= hi; ++b) first[b] = k;
