// SPDX-License-Identifier: Apache-2.0
// Device helpers (part of a kernel header, used by spatial_filter*.cu and
// hole_filling_from_left.cu) that walk image lines serially but fast: one thread per line (row or
// column), with no shared memory and no barriers. The thread moves along its line in 32-value
// chunks held in registers, loading chunk i + 1 while it walks chunk i, and the 32 steps of every
// chunk but the first and last (in pass order) run branch-free through the op's mid(), so the
// compiler schedules them as one block: what remains per step is the op's own dependency chain (a
// few ALU latencies).
// (History on an H100, 640x360 row pass: one warp doing its own transposes ~200 cycles a step;
// a walker warp fed through shared memory by three mover warps ~110 cycles a step, bound by the
// per-step branches and the movers' instruction count; this walker ~50, 35 us for the pass.)
// Rows: the thread's row is contiguous, read and written with 16-byte vector accesses when the
// row pitch and the pointer allow it (CUDA; Metal reads scalars). Columns: neighbouring threads own neighbouring columns, so
// each step's access is coalesced across the warp.
// An Op provides `V step(V v, int k, int n)` (the k-th value in pass order of a line of n values,
// any k) and `V mid(V v)` (the same for 0 < k < n - 1, without the k tests); it may also overload
// rs_chunk for its type (see there).
// V: register type (float, or int for uint16 data). Sources are any pointer type (a kernel input
// is `device` or, with fewer than 8 elements, `constant` memory on Metal); destinations are outputs.

RM_FUNC void rs_unpack(unsigned u, RM_THREAD float* v) { v[0] = rm_uint_as_float(u); }
RM_FUNC void rs_unpack(unsigned u, RM_THREAD int* v) { v[0] = (int)(u & 0xffffu); v[1] = (int)(u >> 16); }
RM_FUNC unsigned rs_pack(RM_THREAD const float* v) { return rm_float_as_uint(v[0]); }
RM_FUNC unsigned rs_pack(RM_THREAD const int* v) { return (unsigned)v[0] | ((unsigned)v[1] << 16); }

// Whether rows of width w starting at p allow 16-byte accesses.
template <typename P>
RM_FUNC bool rs_vec_ok(P p, int w) {
  return rm_is_aligned16(p) && (w * (int)sizeof(p[0])) % 16 == 0;
}

// Chunk c (values [32 c, 32 c + 32)) of line `line`; values past the end read as 0.
template <bool ROWS, typename P, typename V>
RM_FUNC void rs_load(P src, int h, int w, int line, int c, bool vec, RM_THREAD V (&r)[32]) {
  constexpr int PER = 4 / (int)sizeof(src[0]);  // values per 32-bit word
  if (ROWS) {
    const int x0 = 32 * c;
    auto p = src + (int64_t)line * w + x0;
    if (vec && x0 + 32 <= w) {
      auto q = rm_reinterpret<uint4>(p);
#pragma unroll
      for (int u = 0; u < 8 / PER; ++u) {
        const uint4 a = q[u];
        rs_unpack(a.x, &r[4 * PER * u]);
        rs_unpack(a.y, &r[4 * PER * u + PER]);
        rs_unpack(a.z, &r[4 * PER * u + 2 * PER]);
        rs_unpack(a.w, &r[4 * PER * u + 3 * PER]);
      }
    } else {
#pragma unroll
      for (int j = 0; j < 32; ++j) r[j] = x0 + j < w ? (V)p[j] : (V)0;
    }
  } else {
    // One base pointer and 32-bit offsets: 64-bit index math per value tripled the instructions.
    const int y0 = 32 * c;
    auto p = src + (int64_t)y0 * w + line;
    if (y0 + 32 <= h) {
#pragma unroll
      for (int j = 0; j < 32; ++j) r[j] = (V)p[j * w];
    } else {
#pragma unroll
      for (int j = 0; j < 32; ++j) r[j] = y0 + j < h ? (V)p[j * w] : (V)0;
    }
  }
}

template <bool ROWS, typename T, typename V>
RM_FUNC void rs_store(RM_DEVICE T* dst, int h, int w, int line, int c, bool vec, RM_THREAD const V (&r)[32]) {
  constexpr int PER = 4 / sizeof(T);
  if (ROWS) {
    const int x0 = 32 * c;
    auto p = dst + (int64_t)line * w + x0;
    if (vec && x0 + 32 <= w) {
      auto q = rm_reinterpret<uint4>(p);
#pragma unroll
      for (int u = 0; u < 8 / PER; ++u) {
        uint4 a;
        a.x = rs_pack(&r[4 * PER * u]);
        a.y = rs_pack(&r[4 * PER * u + PER]);
        a.z = rs_pack(&r[4 * PER * u + 2 * PER]);
        a.w = rs_pack(&r[4 * PER * u + 3 * PER]);
        q[u] = a;
      }
    } else {
#pragma unroll
      for (int j = 0; j < 32; ++j)
        if (x0 + j < w) p[j] = (T)r[j];
    }
  } else {
    const int y0 = 32 * c;
    auto p = dst + (int64_t)y0 * w + line;
    if (y0 + 32 <= h) {
#pragma unroll
      for (int j = 0; j < 32; ++j) p[j * w] = (T)r[j];
    } else {
#pragma unroll
      for (int j = 0; j < 32; ++j)
        if (y0 + j < h) p[j * w] = (T)r[j];
    }
  }
}

// The 32 middle steps of a chunk, in pass order. Ops whose serial chain is short provide their own
// overload (found at instantiation) that moves the chain-independent work out of the chain.
template <bool REV, typename Op, typename V>
RM_FUNC void rs_chunk(RM_THREAD Op& op, RM_THREAD V (&r)[32]) {
#pragma unroll
  for (int jj = 0; jj < 32; ++jj) {
    const int j = REV ? 31 - jj : jj;
    r[j] = op.mid(r[j]);
  }
}

// Step `it` (in pass order, of nch chunks) of rs_line_pass: loads the next chunk into nxt, walks
// chunk `it` (cur) through the op (k: values walked so far) and stores it.
template <bool ROWS, bool REV, typename V, typename P, typename T, typename Op>
RM_FUNC void rs_walk(P src, RM_DEVICE T* dst, int h, int w, int line, bool vec_in, bool vec_out, RM_THREAD Op& op,
                     int it, int nch, int n, RM_THREAD int& k, RM_THREAD V (&cur)[32], RM_THREAD V (&nxt)[32]) {
  if (it + 1 < nch) rs_load<ROWS>(src, h, w, line, REV ? nch - 2 - it : it + 1, vec_in, nxt);
  const int c = REV ? nch - 1 - it : it;
  if (it == 0 || it == nch - 1) {
    const int cnt = min(32, n - 32 * c);
#pragma unroll
    for (int jj = 0; jj < 32; ++jj) {
      const int j = REV ? 31 - jj : jj;
      if (j < cnt) {
        cur[j] = op.step(cur[j], k, n);
        ++k;
      }
    }
  } else {
    rs_chunk<REV>(op, cur);
    k += 32;
  }
  rs_store<ROWS>(dst, h, w, line, c, vec_out, cur);
}

// One directional pass over this thread's line: row `line` (ROWS) or column `line` of an h x w
// image, from src to dst (may be the same buffer: chunk i + 1 is read before chunk i is written).
// REV walks from the far end. Chunks stay aligned to multiples of 32 in memory, so the partial
// chunk is the last one in pass order (forward) or the first (REV); both ends go through step().
template <bool ROWS, bool REV, typename V, typename P, typename T, typename Op>
RM_FUNC void rs_line_pass(P src, RM_DEVICE T* dst, int h, int w, int line, bool vec_in, bool vec_out,
                          RM_THREAD Op& op) {
  const int n = ROWS ? w : h;
  const int nch = (n + 31) >> 5;
  int k = 0;
  V a[32], b[32];
  rs_load<ROWS>(src, h, w, line, REV ? nch - 1 : 0, vec_in, a);
  for (int it = 0; it < nch; it += 2) {
    rs_walk<ROWS, REV, V>(src, dst, h, w, line, vec_in, vec_out, op, it, nch, n, k, a, b);
    if (it + 1 < nch) rs_walk<ROWS, REV, V>(src, dst, h, w, line, vec_in, vec_out, op, it + 1, nch, n, k, b, a);
  }
}
