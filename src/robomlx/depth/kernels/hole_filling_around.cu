// SPDX-License-Identifier: Apache-2.0
// Hole filling modes 1/2 (launched by hole_filling_cuda.cpp; header: hole_filling.cuh).
// Input inp, outputs out [h, w] (uint16 or float32) and progress.
// Modes 1/2 across blocks. Block b owns rows y0 = 1 + 32 b .. y0 + 31: warp 0 sweeps them in
// skewed order (lane i, step t: column x = t - i), the up neighbour coming from lane i - 1's
// previous step by shuffle; warps 1-3 stage the raw rows y0 .. y0 + 32 (own rows and the row
// below) into a ring of 32-column shared chunks: each superstep they store the chunk they loaded
// into registers one superstep earlier and issue the loads of the next, so global latency never
// sits on the sweep. Lane 0's up row is the previous block's last row: that block publishes, every
// 32 steps, how many leading columns of it are final (progress[b - 1], written by a mover after
// the block barrier and a __threadfence, so the sweep never waits on the fence), and this block
// waits for the next 32 before reading them (block 0 reads row 0, never changed). Blocks thus run
// as a pipeline, each about 64 columns behind the one above, on as many SMs as there are bands.
// The sweep's step is branch-free: the best of the neighbours known one step early (up-left, left,
// down-left, down) is picked while the up value is in flight, then combined with it; this keeps
// librealsense's order of comparisons (first best wins ties), so results are bit-identical.
// T: element type; FAREST: mode 1. Launch: 128-thread blocks, one per 32 rows of rows 1 .. h - 2;
// `progress` is a zero-initialised int32 output, one entry per block.

  constexpr int PAD = 34;  // lane i reads column t - i of row i: (i * 34 + t - i) % 32 differs per lane
  constexpr int PER = (33 * 32 + 95) / 96;  // staged values per mover thread
  __shared__ T raw[4][33][PAD];
  const int h = inp_shape[0], w = inp_shape[1];
  const int tid = threadIdx.x, lane = tid & 31, b = blockIdx.x;
  const int y0 = 1 + 32 * b, y = y0 + lane;
  const bool mine = tid < 32 && y <= h - 2;
  // Borders are never swept: rows 0 and h - 1 (block 0's movers) and column 0 (each row's lane).
  if (b == 0 && tid >= 32) {
    for (int x = tid - 32; x < w; x += 96) {
      out[x] = inp[x];
      out[(long long)(h - 1) * w + x] = inp[(long long)(h - 1) * w + x];
    }
  }
  if (mine) out[(long long)y * w] = inp[(long long)y * w];
  const int nch = (w + 31) / 32;
  T pre[PER];
  auto fetch = [&](int c) {  // raw rows y0 .. y0 + 32, columns 32 c .. 32 c + 31 -> registers
#pragma unroll
    for (int u = 0; u < PER; ++u) {
      const int e = tid - 32 + 96 * u, yy = y0 + (e >> 5), x = 32 * c + (e & 31);
      pre[u] = (e < 33 * 32 && yy < h && x < w) ? inp[(long long)yy * w + x] : T(0);
    }
  };
  auto put = [&](int c) {  // registers -> raw[c & 3]
#pragma unroll
    for (int u = 0; u < PER; ++u) {
      const int e = tid - 32 + 96 * u;
      if (e < 33 * 32) raw[c & 3][e >> 5][e & 31] = pre[u];
    }
  };
  if (tid >= 32) {
    fetch(0);
    put(0);
    if (nch > 1) fetch(1);
  }
  __syncthreads();
  T left = T(0), up_left = T(0), down_left = T(0), from_above = T(0), up_chunk = T(0);
  if (mine) {
    left = inp[(long long)y * w];
    up_left = inp[(long long)(y - 1) * w];
    down_left = inp[(long long)(y + 1) * w];
  }
  const int supersteps = (w + 30) / 32 + 1;  // steps t = 0 .. w - 1 + 31
  for (int s = 0; s < supersteps; ++s) {
    if (tid >= 32) {
      // Columns 0 .. 32 (s - 1) of this band's last row were final at the barrier just passed.
      if (tid == 32 && s > 0) {
        __threadfence();
        *(volatile int*)&progress[b] = min(32 * (s - 1) + 1, w);
      }
      if (s + 1 < nch) put(s + 1);
      if (s + 2 < nch) fetch(s + 2);
    } else {
      // Lane 0's up values for columns 32 s .. 32 s + 31, one per lane.
      const int xu = 32 * s + lane;
      if (b == 0) {
        up_chunk = xu < w ? inp[xu] : T(0);
      } else {
        const int need = min(32 * s + 32, w);
        if (lane == 0) {
          long long spins = 0;
          while (*(volatile int*)&progress[b - 1] < need) {
            if (++spins > (1ll << 24)) __trap();  // a stuck pipeline fails loudly, never hangs
          }
          __threadfence();
        }
        __syncwarp();
        up_chunk = xu < w ? __ldcg(out + (long long)(y0 - 1) * w + xu) : T(0);
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
        if (act) out[(long long)y * w + x] = v;
        up_left = act ? up : up_left;
        left = act ? v : left;
        down_left = act ? down : down_left;
        from_above = rs_shfl_up(v);
      }
    }
    __syncthreads();
  }
  if (tid == 32) {
    __threadfence();
    *(volatile int*)&progress[b] = w;
  }
