// SPDX-License-Identifier: Apache-2.0
// Contiguous D == 1 segment reductions, tiled over the values (launched by
// segment_reduce_tile_gpu.cpp, which explains the algorithm; header: segment_reduce_ops.cuh).
// OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order). Inputs x [T, 1] float32, ends [K] int32
// (inclusive cumsum of the lengths), first (segment_reduce_tile_first.cu); output y [K, 1].
// Launch: max(1, ceil(T / TILE)) blocks of THREADS (TILE = PER THREADS).

  constexpr int NT = THREADS, TILE = NT * PER, WARPS = NT / 32, CHUNK = 1024;
  static_assert(PER % 4 == 0 && 32 % PER == 0, "PER: 4, 8, 16 or 32");
  RM_SHARED int s_e[CHUNK + 1];                 // starts of owned segments (+ the last one's end)
  RM_SHARED uint16_t s_seg[TILE];         // owned segment starting at a tile position (< TILE)
  RM_SHARED unsigned s_bits[TILE / 32];         // tile positions where one starts
  RM_SHARED float s_head[NT], s_tail[NT], s_red[WARPS];
  RM_SHARED int s_range[2];
  const int T = x_shape[0], K = ends_shape[0];
  const int t = RM_THREAD_IDX.x, lane = t % 32, w = t / 32;
  const int blocks = T > 0 ? (T + TILE - 1) / TILE : 1;
  if ((int)RM_BLOCK_IDX.x >= blocks) return;  // the whole block leaves together
  const int v0 = RM_BLOCK_IDX.x * TILE, v1 = v0 + TILE;  // T < 2^31
  const float init = seg_init<OP>();
  const bool x_aligned = rm_is_aligned16(x);  // float4 loads
  // 1. This thread's PER values, all loads issued before any is used.
  const int p0 = v0 + PER * t, q = min(p0 + PER, T);  // its positions [p0, q)
  float r[PER];
  if (x_aligned && p0 + PER <= T) {
#pragma unroll
    for (int u = 0; u < PER / 4; ++u) {
      const float4 f = rm_reinterpret<float4>(x + p0)[u];
      r[4 * u] = f.x; r[4 * u + 1] = f.y; r[4 * u + 2] = f.z; r[4 * u + 3] = f.w;
    }
  } else {
#pragma unroll
    for (int u = 0; u < PER; ++u) r[u] = p0 + u < T ? x[p0 + u] : 0.f;
  }
  // And, speculatively, one value each of the next tile's first NT: the part of this block's last
  // segment past v1 (tens of values typically) then needs no round trip of its own after the walk.
  const float ahead = v1 + t < T ? x[v1 + t] : 0.f;
  // 2. The owned range [k_first, k_last), from the tile table (kFirstSource).
  if (t == 0) {
    s_range[0] = first[RM_BLOCK_IDX.x];
    s_range[1] = (int)RM_BLOCK_IDX.x == blocks - 1 ? K : first[RM_BLOCK_IDX.x + 1];
  }
  if (t < TILE / 32) s_bits[t] = 0u;
  rm_barrier();
  const int k_first = s_range[0], n = s_range[1] - k_first;  // owned: k_first + [0, n)
  // SEG_E(j): start of owned segment j, SEG_E(n) the end of the last one. Kept in shared memory when
  // they fit (segments of a few values or more), else read from global memory (L1-cached).
  const bool small = n <= CHUNK;
#define SEG_E(j) seg_bound(small, s_e, ends, k_first, j)
  // Also a bit per tile position where a non-empty owned segment starts, and its index there.
  for (int j = t; j <= n; j += NT) {
    const int s = seg_start(ends, k_first + j);
    if (small) s_e[j] = s;
    if (j < n && seg_start(ends, k_first + j + 1) > s) {
      rm_atomic_or(&s_bits[(s - v0) >> 5], 1u << ((s - v0) & 31));
      s_seg[s - v0] = j;
    }
  }
  rm_barrier();
  // 3. The walk over this thread's values, branch-free but at segment starts: a segment that
  // starts and ends here is finished on the spot; the run before the first start here (the
  // head) and the run still open at the end (the tail) are kept for step 5. Values before the
  // first owned start belong to the previous block's last segment and are skipped.
  // The walk leaves mean's division to step 5 (for segments it finishes, a sum is written): inlined
  // at each of the walk's PER places where a segment can end, it cost registers (40 -> 48), hence
  // occupancy and bandwidth (sum 53 %, mean 48 %).
  const unsigned bits = PER == 32 ? s_bits[t] : (s_bits[(t * PER) >> 5] >> ((t * PER) & 31)) & ((1u << (PER % 32)) - 1u);
  const int first_owned = n > 0 ? SEG_E(0) : T;
  float acc = init;
  int cur = -1, cur_start = 0;  // the open run's segment when it started here, and where
#pragma unroll
  for (int u = 0; u < PER; ++u) {
    const int pos = p0 + u;
    if ((bits >> u) & 1u) {
      if (cur < 0) s_head[t] = acc;
      else y[k_first + cur] = OP == 1 ? acc : seg_result<OP>(acc, pos - cur_start);
      cur = s_seg[pos - v0];
      cur_start = pos;
      acc = init;
    }
    if (pos >= first_owned && pos < q) acc = seg_combine<OP>(acc, r[u]);
  }
  if (cur < 0) {
    s_head[t] = acc;
    s_tail[t] = acc;
  } else {
    const int e = SEG_E(cur + 1);
    if (e <= q) y[k_first + cur] = OP == 1 ? acc : seg_result<OP>(acc, e - cur_start);
    else s_tail[t] = acc;
  }
  // 4. The last owned segment may run past the tile: the block reduces [v1, SEG_E(n)), the first NT
  // values from `ahead`, the rest (long segments) with float4 loads when x is aligned.
  const int spill_end = n > 0 ? SEG_E(n) : 0;
  if (spill_end > v1) {
    float sp = v1 + t < spill_end ? ahead : init;
    int tail = v1 + NT;
    if (x_aligned && spill_end > tail) {
      const int tail4 = spill_end & ~3;
      auto x4 = rm_reinterpret<float4>(x);
      // Eight loads in flight a thread (16 KB a block), folded as a tree into one partial, so a
      // long spill (one block reading a long segment) is not latency-bound and the kernel keeps
      // 40 registers (two partials took 44). Fixed order: deterministic.
      int i = tail / 4 + t;
      for (; i + 7 * NT < tail4 / 4; i += 8 * NT) {
        float4 f[8];
#pragma unroll
        for (int u = 0; u < 8; ++u) f[u] = x4[i + u * NT];
        const float lo = seg_combine<OP>(seg_combine<OP>(seg_fold<OP>(f[0]), seg_fold<OP>(f[1])),
                                         seg_combine<OP>(seg_fold<OP>(f[2]), seg_fold<OP>(f[3])));
        const float hi = seg_combine<OP>(seg_combine<OP>(seg_fold<OP>(f[4]), seg_fold<OP>(f[5])),
                                         seg_combine<OP>(seg_fold<OP>(f[6]), seg_fold<OP>(f[7])));
        sp = seg_combine<OP>(sp, seg_combine<OP>(lo, hi));
      }
      for (; i < tail4 / 4; i += NT) sp = seg_combine<OP>(sp, seg_fold<OP>(x4[i]));
      tail = tail4;
    }
    for (int i = tail + t; i < spill_end; i += NT) sp = seg_combine<OP>(sp, x[i]);
    for (int o = 16; o > 0; o >>= 1) sp = seg_combine<OP>(sp, rm_shfl_xor(sp, o));
    if (lane == 0) s_red[w] = sp;
  }
  rm_barrier();
  // 5. Segments that cross a thread boundary or the tile's end, and empty ones: one thread each.
  for (int jj = t; jj < n; jj += NT) {
    const int s = SEG_E(jj), e = SEG_E(jj + 1);
    if (s == e) {
      y[k_first + jj] = seg_result<OP>(0.f, 0);
      continue;
    }
    const int ta = (s - v0) / PER, tb = (min(e, v1) - 1 - v0) / PER;
    if (ta == tb && e <= v1) {  // finished in the walk (mean: its sum, written before the barrier)
      if (OP == 1) y[k_first + jj] = seg_result<OP>(y[k_first + jj], e - s);
      continue;
    }
    float a = s_tail[ta];
    for (int u = ta + 1; u <= tb; ++u) a = seg_combine<OP>(a, s_head[u]);
    if (e > v1)
      for (int u = 0; u < WARPS; ++u) a = seg_combine<OP>(a, s_red[u]);
    y[k_first + jj] = seg_result<OP>(a, e - s);
  }
#undef SEG_E
