// SPDX-License-Identifier: Apache-2.0
// splat.blend forward (launched by blend_tiles_gpu.cpp), graphdeco's renderCUDA: one 256-thread
// group per 16x16 tile (grid tiles_x * 256 by tiles_y, groups of 256 x 1), one thread per pixel
// (x = 16 tx + tid % 16, y = 16 ty + tid / 16; pixels past the image only take part in the votes).
// Inputs: means2d [N, 2], conics [N, 3], opacities [N], colors [N, 3], inv_depths [N] float32;
// point_list [R], tile_ranges [T, 2] int32; size int32 [2] (W, H); background float32 [3].
// Outputs: color [3, H, W], inv_depth [1, H, W], alpha [1, H, W], final_t [H, W] float32,
// n_contrib [H, W] int32 (1 + list position of the pixel's last contributor, 0 if none).
// The tile's list is walked in batches of 256: each thread stages one Gaussian (id, mean, conic,
// opacity) in shared memory; a block vote before each batch ends the walk once every pixel of
// the tile has stopped (graphdeco's __syncthreads_count). Colors and inverse depths are read from
// global memory, by contributors only.

  RM_SHARED int s_id[256];
  RM_SHARED float s_mean[2 * 256];
  RM_SHARED float s_co[4 * 256];  // conic a, b, c, opacity
  RM_SHARED int s_votes[8];
  const int W = size[0], H = size[1];
  const int tid = RM_THREAD_IDX.x;
  const int tiles_x = (W + 15) / 16;
  const int tile = (int)RM_BLOCK_IDX.y * tiles_x + (int)RM_BLOCK_IDX.x;
  const int x = (int)RM_BLOCK_IDX.x * 16 + (tid & 15), y = (int)RM_BLOCK_IDX.y * 16 + (tid >> 4);
  const bool inside = x < W && y < H;
  const int start = tile_ranges[2 * tile], end = tile_ranges[2 * tile + 1];
  const float px = (float)x, py = (float)y;
  bool done = !inside;
  float T = 1.0f, c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, d = 0.0f;
  int last = 0;
  for (int b0 = start; b0 < end; b0 += 256) {
    // The vote's barrier also keeps the previous batch staged until every thread has used it.
    if (blend_block_done(!done, tid, s_votes)) break;
    const int j = b0 + tid;
    if (j < end) {
      const int id = point_list[j];
      s_id[tid] = id;
      s_mean[2 * tid] = means2d[2 * id];
      s_mean[2 * tid + 1] = means2d[2 * id + 1];
      s_co[4 * tid] = conics[3 * id];
      s_co[4 * tid + 1] = conics[3 * id + 1];
      s_co[4 * tid + 2] = conics[3 * id + 2];
      s_co[4 * tid + 3] = opacities[id];
    }
    rm_barrier();
    const int n = min(256, end - b0);
    for (int k = 0; !done && k < n; ++k) {
      float al, g, dx, dy;
      if (!blend_alpha(s_mean[2 * k], s_mean[2 * k + 1], s_co[4 * k], s_co[4 * k + 1], s_co[4 * k + 2],
                       s_co[4 * k + 3], px, py, al, g, dx, dy)) {
        continue;
      }
      const float test_t = T * (1.0f - al);
      if (test_t < 0.0001f) {  // this Gaussian is not added
        done = true;
        break;
      }
      const int id = s_id[k];
      c0 += colors[3 * id] * al * T;
      c1 += colors[3 * id + 1] * al * T;
      c2 += colors[3 * id + 2] * al * T;
      d += inv_depths[id] * al * T;
      T = test_t;
      last = b0 - start + k + 1;
    }
  }
  if (inside) {
    const int plane = W * H, p = y * W + x;
    color[p] = c0 + T * background[0];
    color[plane + p] = c1 + T * background[1];
    color[2 * plane + p] = c2 + T * background[2];
    inv_depth[p] = d;
    alpha[p] = 1.0f - T;
    final_t[p] = T;
    n_contrib[p] = last;
  }
