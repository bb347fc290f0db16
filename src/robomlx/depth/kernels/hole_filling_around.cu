// SPDX-License-Identifier: Apache-2.0
// Hole filling modes 1/2 (launched by hole_filling_gpu.cpp; header: hole_filling.cuh +
// hole_filling_around.cuh).
// Input inp, outputs out [h, w] (uint16 or float32) and progress.
// Modes 1/2 across blocks. Block b owns rows y0 = 1 + 32 b .. y0 + 31: warp 0 sweeps them in
// skewed order (lane i, step t: column x = t - i), the up neighbour coming from lane i - 1's
// previous step by shuffle; warps 1-3 stage the raw rows y0 .. y0 + 32 (own rows and the row
// below) into a ring of 32-column shared chunks: each superstep they store the chunk they loaded
// into registers one superstep earlier and issue the loads of the next, so global latency never
// sits on the sweep. Lane 0's up row is the previous block's last row: that block publishes, every
// 32 steps, how many leading columns of it are final (progress[b - 1], written by a mover after
// the block barrier and a device fence, so the sweep never waits on the fence), and this block
// waits for the next 32 before reading them (block 0 reads row 0, never changed). Blocks thus run
// as a pipeline, each about 64 columns behind the one above, on as many SMs as there are bands.
// The sweep's step is branch-free: the best of the neighbours known one step early (up-left, left,
// down-left, down) is picked while the up value is in flight, then combined with it; this keeps
// librealsense's order of comparisons (first best wins ties), so results are bit-identical.
// T: element type; FAREST: mode 1. Launch: 128-thread blocks, one per 32 rows of rows 1 .. h - 2;
// `progress` is a zero-initialised int32 output, one entry per block.
// Metal: the pipeline needs a waiting block's predecessor to run meanwhile, which Metal does not
// promise for threadgroups (nor has it a trap to end a stuck wait): this text compiles there, but
// the Metal twin runs mode 0 only (hole_filling_gpu.cpp).

  constexpr int PAD = 34;  // lane i reads column t - i of row i: (i * 34 + t - i) % 32 differs per lane
  constexpr int PER = (33 * 32 + 95) / 96;  // staged values per mover thread
  RM_SHARED T raw[4][33][PAD];
  const int h = inp_shape[0], w = inp_shape[1];
  const int tid = RM_THREAD_IDX.x, lane = tid & 31, b = RM_BLOCK_IDX.x;
  const int y0 = 1 + 32 * b, y = y0 + lane;
  const bool mine = tid < 32 && y <= h - 2;
  // Borders are never swept: rows 0 and h - 1 (block 0's movers) and column 0 (each row's lane).
  if (b == 0 && tid >= 32) {
    for (int x = tid - 32; x < w; x += 96) {
      out[x] = inp[x];
      out[(int64_t)(h - 1) * w + x] = inp[(int64_t)(h - 1) * w + x];
    }
  }
  if (mine) out[(int64_t)y * w] = inp[(int64_t)y * w];
  const int nch = (w + 31) / 32;
  T pre[PER];  // a mover's staged values, between its fetch and its put
  if (tid >= 32) {
    rs_band_fetch(inp, h, w, y0, tid, 0, pre);
    rs_band_put(raw, tid, 0, pre);
    if (nch > 1) rs_band_fetch(inp, h, w, y0, tid, 1, pre);
  }
  rm_barrier();
  T left = T(0), up_left = T(0), down_left = T(0), from_above = T(0), up_chunk = T(0);
  if (mine) {
    left = inp[(int64_t)y * w];
    up_left = inp[(int64_t)(y - 1) * w];
    down_left = inp[(int64_t)(y + 1) * w];
  }
  const int supersteps = (w + 30) / 32 + 1;  // steps t = 0 .. w - 1 + 31
  for (int s = 0; s < supersteps; ++s) {
    if (tid >= 32) {
      // Columns 0 .. 32 (s - 1) of this band's last row were final at the barrier just passed.
      if (tid == 32 && s > 0) {
        rm_fence_device();
        rm_flag_store(&progress[b], min(32 * (s - 1) + 1, w));
      }
      if (s + 1 < nch) rs_band_put(raw, tid, s + 1, pre);
      if (s + 2 < nch) rs_band_fetch(inp, h, w, y0, tid, s + 2, pre);
    } else {
      // Lane 0's up values for columns 32 s .. 32 s + 31, one per lane.
      const int xu = 32 * s + lane;
      if (b == 0) {
        up_chunk = xu < w ? inp[xu] : T(0);
      } else {
        const int need = min(32 * s + 32, w);
        if (lane == 0) {
          int64_t spins = 0;
          while (rm_flag_load(&progress[b - 1]) < need) {
            if (++spins > ((int64_t)1 << 24)) {  // a stuck pipeline fails loudly, never hangs
              rm_trap();
              break;
            }
          }
          rm_fence_device();
        }
        rm_simd_barrier();
        up_chunk = xu < w ? rm_load_coherent(out + (int64_t)(y0 - 1) * w + xu) : T(0);
      }
#pragma unroll
      for (int j = 0; j < 32; ++j) {
        const int t = 32 * s + j, x = t - lane;
        const bool act = mine && x >= 1 && x < w;
        const int xs = min(max(x, 0), w - 1);
        const T cur = raw[(xs >> 5) & 3][lane][xs & 31];
        const T down = raw[(xs >> 5) & 3][lane + 1][xs & 31];
        // The best of up-left, left, down-left, down, in that order (FAREST: first maximum;
        // else first minimum of the non-empty ones, 0 if none) ...
        T best = FAREST ? up_left : T(0);
        const T cand[4] = {up_left, left, down_left, down};
#pragma unroll
        for (int c = FAREST ? 1 : 0; c < 4; ++c) {
          if (FAREST ? cand[c] > best : (!rs_empty(cand[c]) && (rs_empty(best) || cand[c] < best))) best = cand[c];
        }
        // ... then against up, which librealsense compares first.
        const T up_lane0 = rs_shfl(up_chunk, j);  // every lane takes part in the shuffle
        const T up = lane == 0 ? up_lane0 : from_above;
        const bool take = FAREST ? best > up : (!rs_empty(best) && best < up);
        const T v = rs_empty(cur) ? (take ? best : up) : cur;
        if (act) out[(int64_t)y * w + x] = v;
        up_left = act ? up : up_left;
        left = act ? v : left;
        down_left = act ? down : down_left;
        from_above = rs_shfl_up(v);
      }
    }
    rm_barrier();
  }
  if (tid == 32) {
    rm_fence_device();
    rm_flag_store(&progress[b], w);
  }
