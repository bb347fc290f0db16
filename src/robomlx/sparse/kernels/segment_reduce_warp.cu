// SPDX-License-Identifier: Apache-2.0
// Segment reductions, one warp a segment (launched by segment_reduce_gpu.cpp; header:
// segment_reduce_ops.cuh). Inputs x float32 [T or N, D], idx int32 [T] (read only when INDEXED; the
// plain launch passes `ends` there), ends int32 [K] (inclusive cumsum of the lengths);
// output y float32 [K, D]. OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order). INDEXED: rows come
// through idx. SEGS: segments a warp (8 for indexed D == 1, else 1). Launch: 256-thread blocks.

  constexpr int WARPS = 8;
  RM_SHARED float s_part[WARPS][32];
  const int K = ends_shape[0], D = x_shape[1];
  const int lane = RM_THREAD_IDX.x % 32, w = RM_THREAD_IDX.x / 32;
  const int64_t warp = (int64_t)RM_BLOCK_IDX.x * WARPS + w;
  const float init = seg_init<OP>();
  if (SEGS > 1) {
    // D == 1: the warp owns SEGS consecutive segments, whose values are one contiguous run; it
    // reads the run 32 at a time (independent loads, several in flight) and each lane sorts its
    // value into the segment it falls in; then one butterfly per segment.
    const int64_t k0 = warp * SEGS;
    if (k0 >= K) return;
    int e = 0;
    if (lane <= SEGS) {
      const int64_t kk = k0 - 1 + lane;
      e = kk < 0 ? 0 : ends[kk < K ? kk : K - 1];
    }
    int bnd[SEGS + 1];
#pragma unroll
    for (int s = 0; s <= SEGS; ++s) bnd[s] = rm_shfl(e, s);
    float part[SEGS];
#pragma unroll
    for (int s = 0; s < SEGS; ++s) part[s] = init;
#pragma unroll 4
    for (int r = bnd[0] + lane; r < bnd[SEGS]; r += 32) {
      const float v = x[seg_row<INDEXED>(idx, r)];
#pragma unroll
      for (int s = 0; s < SEGS; ++s)
        if (r >= bnd[s] && r < bnd[s + 1]) part[s] = seg_combine<OP>(part[s], v);
    }
#pragma unroll
    for (int s = 0; s < SEGS; ++s) {
      float a = part[s];
      for (int o = 16; o > 0; o >>= 1) a = seg_combine<OP>(a, rm_shfl_xor(a, o));
      if (lane == s && k0 + s < K) y[(k0 + s) * D] = seg_result<OP>(a, bnd[s + 1] - bnd[s]);
    }
    return;
  }
  float acc = init;
  if (D >= 32) {
    const int slices = (D + 31) / 32;
    if (warp >= (int64_t)K * slices) return;
    const int k = (int)(warp / slices);
    const int d = (int)(warp % slices) * 32 + lane;
    const int r0 = k > 0 ? ends[k - 1] : 0, r1 = ends[k];
    if (d >= D) return;
    // Eight rows' loads in flight, folded as a tree: a long segment, which one warp reads alone,
    // is then less latency-bound. Fixed order: deterministic.
    int r = r0;
    for (; r + 8 <= r1; r += 8) {
      float v[8];
#pragma unroll
      for (int u = 0; u < 8; ++u) v[u] = x[seg_row<INDEXED>(idx, r + u) * D + d];
      const float lo = seg_combine<OP>(seg_combine<OP>(v[0], v[1]), seg_combine<OP>(v[2], v[3]));
      const float hi = seg_combine<OP>(seg_combine<OP>(v[4], v[5]), seg_combine<OP>(v[6], v[7]));
      acc = seg_combine<OP>(acc, seg_combine<OP>(lo, hi));
    }
    for (; r < r1; ++r) acc = seg_combine<OP>(acc, x[seg_row<INDEXED>(idx, r) * D + d]);
    y[(int64_t)k * D + d] = seg_result<OP>(acc, r1 - r0);
    return;
  }
  if (warp >= K) return;  // the whole warp leaves together
  const int k = (int)warp;
  const int R = 32 / D, d = lane % D, rr = lane / D;
  const int r0 = k > 0 ? ends[k - 1] : 0, r1 = ends[k];
  if (rr < R) {
#pragma unroll 4
    for (int r = r0 + rr; r < r1; r += R) acc = seg_combine<OP>(acc, x[seg_row<INDEXED>(idx, r) * D + d]);
  }
  if ((D & (D - 1)) == 0) {
    for (int s = 16; s >= D; s >>= 1) acc = seg_combine<OP>(acc, rm_shfl_down(acc, s));
  } else {
    s_part[w][lane] = acc;
    rm_simd_barrier();
    if (lane < D)
      for (int j = 1; j < R; ++j) acc = seg_combine<OP>(acc, s_part[w][lane + j * D]);
  }
  if (lane < D) y[(int64_t)k * D + d] = seg_result<OP>(acc, r1 - r0);
