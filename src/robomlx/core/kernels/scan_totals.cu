// SPDX-License-Identifier: Apache-2.0
// Chunk totals of the int32 prefix sum (launched by core/ragged_gpu.cpp). Input x int32 [n]; output
// totals int32 [blocks]: one 256-thread block per 2048-value chunk, 8 values a thread; the loads
// are coalesced (element u * 256 + tid).

  constexpr int NT = 256, PER = 8, CH = NT * PER;
  RM_SHARED int warp_sum[NT / 32];
  const int n = x_shape[0], tid = RM_THREAD_IDX.x;
  const int64_t base = (int64_t)RM_BLOCK_IDX.x * CH;
  int s = 0;
#pragma unroll
  for (int u = 0; u < PER; ++u) {
    const int64_t i = base + u * NT + tid;
    if (i < n) s += x[i];
  }
  for (int o = 16; o > 0; o >>= 1) s += rm_shfl_down(s, o);
  if (tid % 32 == 0) warp_sum[tid / 32] = s;
  rm_barrier();
  if (tid == 0) {
    int t = 0;
    for (int w = 0; w < NT / 32; ++w) t += warp_sum[w];
    totals[RM_BLOCK_IDX.x] = t;
  }
