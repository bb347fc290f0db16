// SPDX-License-Identifier: Apache-2.0
// Segment reductions, one warp a segment (launched by segment_reduce_cuda.cpp; header:
// segment_reduce_ops.cuh). Inputs x float32 [T or N, D], idx int32 [T] (the indexed form; the plain
// form declares a null idx before this text), ends int32 [K] (inclusive cumsum of the lengths);
// output y float32 [K, D]. OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order). INDEXED: rows come
// through idx. SEGS: segments a warp (8 for indexed D == 1, else 1). Launch: 256-thread blocks.

  constexpr int WARPS = 8;
  __shared__ float s_part[WARPS][32];
  const int K = ends_shape[0], D = x_shape[1];
  const int lane = threadIdx.x % 32, w = threadIdx.x / 32;
  const long long warp = (long long)blockIdx.x * WARPS + w;
  const float init = seg_init<OP>();
  auto combine = [](float u, float v) { return seg_combine<OP>(u, v); };
  auto row_of = [&](int r) -> long long { return INDEXED ? (long long)idx[r] : (long long)r; };
  auto finish = [&](int k, int d, int len, float acc) { y[(long long)k * D + d] = seg_result<OP>(acc, len); };
  if (SEGS > 1) {
    // D == 1: the warp owns SEGS consecutive segments, whose values are one contiguous run; it
    // reads the run 32 at a time (independent loads, several in flight) and each lane sorts its
    // value into the segment it falls in; then one butterfly per segment.
    const long long k0 = warp * SEGS;
    if (k0 >= K) return;
    int e = 0;
    if (lane <= SEGS) {
      const long long kk = k0 - 1 + lane;
      e = kk < 0 ? 0 : ends[kk < K ? kk : K - 1];
    }
    int bnd[SEGS + 1];
#pragma unroll
    for (int s = 0; s <= SEGS; ++s) bnd[s] = __shfl_sync(0xffffffffu, e, s);
    float part[SEGS];
#pragma unroll
    for (int s = 0; s < SEGS; ++s) part[s] = init;
#pragma unroll 4
    for (int r = bnd[0] + lane; r < bnd[SEGS]; r += 32) {
      const float v = x[row_of(r)];
#pragma unroll
      for (int s = 0; s < SEGS; ++s)
        if (r >= bnd[s] && r < bnd[s + 1]) part[s] = combine(part[s], v);
    }
#pragma unroll
    for (int s = 0; s < SEGS; ++s) {
      float a = part[s];
      for (int o = 16; o > 0; o >>= 1) a = combine(a, __shfl_xor_sync(0xffffffffu, a, o));
      if (lane == s && k0 + s < K) finish((int)(k0 + s), 0, bnd[s + 1] - bnd[s], a);
    }
    return;
  }
  float acc = init;
  if (D >= 32) {
    const int slices = (D + 31) / 32;
    if (warp >= (long long)K * slices) return;
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
      for (int u = 0; u < 8; ++u) v[u] = x[row_of(r + u) * D + d];
      acc = combine(acc, combine(combine(combine(v[0], v[1]), combine(v[2], v[3])),
                                 combine(combine(v[4], v[5]), combine(v[6], v[7]))));
    }
    for (; r < r1; ++r) acc = combine(acc, x[row_of(r) * D + d]);
    finish(k, d, r1 - r0, acc);
    return;
  }
  if (warp >= K) return;  // the whole warp leaves together
  const int k = (int)warp;
  const int R = 32 / D, d = lane % D, rr = lane / D;
  const int r0 = k > 0 ? ends[k - 1] : 0, r1 = ends[k];
  if (rr < R) {
#pragma unroll 4
    for (int r = r0 + rr; r < r1; r += R) acc = combine(acc, x[row_of(r) * D + d]);
  }
  if ((D & (D - 1)) == 0) {
    for (int s = 16; s >= D; s >>= 1) acc = combine(acc, __shfl_down_sync(0xffffffffu, acc, s));
  } else {
    s_part[w][lane] = acc;
    __syncwarp();
    if (lane < D)
      for (int j = 1; j < R; ++j) acc = combine(acc, s_part[w][lane + j * D]);
  }
  if (lane < D) finish(k, d, r1 - r0, acc);
