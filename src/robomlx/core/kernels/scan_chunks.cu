// SPDX-License-Identifier: Apache-2.0
// Chunk scans of the int32 prefix sum (launched by core/ragged_gpu.cpp). Inputs x int32 [n], totals
// (scan_totals.cu); output out int32 [n + LEAD]; LEAD (template constant): 1 writes a leading zero.
// Each block: the sum of the chunk totals before it, then a block scan of its own chunk staged
// in shared memory (each thread scans 8 consecutive values; warps combine with shuffles).

  constexpr int NT = 256, PER = 8, CH = NT * PER, W = NT / 32;
  RM_SHARED int buf[CH];
  RM_SHARED int warp_sum[W];
  RM_SHARED int s_base;
  const int n = x_shape[0], tid = RM_THREAD_IDX.x, lane = tid % 32, w = tid / 32;
  const int b = RM_BLOCK_IDX.x;
  const int64_t base = (int64_t)b * CH;
  int s = 0;
  for (int j = tid; j < b; j += NT) s += totals[j];
  for (int o = 16; o > 0; o >>= 1) s += rm_shfl_down(s, o);
  if (lane == 0) warp_sum[w] = s;
  for (int u = 0; u < PER; ++u) {
    const int64_t i = base + u * NT + tid;
    buf[u * NT + tid] = i < n ? x[i] : 0;
  }
  rm_barrier();
  if (tid == 0) {
    int t = 0;
    for (int k = 0; k < W; ++k) t += warp_sum[k];
    s_base = t;
  }
  int v[PER];
  int run = 0;
#pragma unroll
  for (int u = 0; u < PER; ++u) {
    run += buf[tid * PER + u];
    v[u] = run;
  }
  int incl = run;
  for (int o = 1; o < 32; o <<= 1) {
    const int y = rm_shfl_up(incl, o);
    if (lane >= o) incl += y;
  }
  rm_barrier();  // s_base written, warp_sum free for reuse
  if (lane == 31) warp_sum[w] = incl;
  rm_barrier();
  int before = s_base + incl - run;
  for (int k = 0; k < w; ++k) before += warp_sum[k];
#pragma unroll
  for (int u = 0; u < PER; ++u) buf[tid * PER + u] = before + v[u];
  rm_barrier();
  for (int u = 0; u < PER; ++u) {
    const int64_t i = base + u * NT + tid;
    if (i < n) out[i + LEAD] = buf[u * NT + tid];
  }
  if (LEAD && b == 0 && tid == 0) out[0] = 0;
