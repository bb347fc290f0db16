// SPDX-License-Identifier: Apache-2.0
// Depth to points, occlusion removal (launched by depth_to_points_gpu.cpp; header:
// depth_to_points_occlusion.cuh): inputs depth uint16, vertices [h, w, 3], pixel_x [h, w]; output
// out [h, w, 3]. Template constants H, W.
// One thread per row: occlusion-filter.cpp's scan, copying the row's vertices with drops zeroed.
// The inputs are not written here, so the next B columns are fetched into registers while the
// current B are scanned (the scan's latency is then the arithmetic, not the loads).

  constexpr int B = 16;
  const int y = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (y >= H) return;
  const int64_t row = (int64_t)y * W;
  float max_x = -1.0f, max_z = 0.0f;
  int dilation = 0;
  bool cv[B], nv[B];
  float cp[B], ca[B], cb[B], cz[B], np[B], na[B], nb[B], nz[B];
  rs_fetch_columns(depth, vertices, pixel_x, row, 0, W, cv, cp, ca, cb, cz);
  for (int x0 = 0; x0 < W; x0 += B) {
    rs_fetch_columns(depth, vertices, pixel_x, row, x0 + B, W, nv, np, na, nb, nz);
#pragma unroll
    for (int j = 0; j < B; ++j) {
      const int x = x0 + j;
      if (x < W) {
        const int64_t i = row + x;
        bool drop = false;
        if (cv[j]) {
          const float px = cp[j], c = cz[j];
          if (px < max_x || (px == max_x && rm_fsub_rn(c, max_z) > 0.1f)) {
            drop = true;
            dilation = 1;
          } else {
            max_x = px;
            max_z = c;
            if (dilation > 0) {
              drop = true;
              --dilation;
            }
          }
        }
        out[3 * i] = drop ? 0.0f : ca[j];
        out[3 * i + 1] = drop ? 0.0f : cb[j];
        out[3 * i + 2] = drop ? 0.0f : cz[j];
      }
    }
#pragma unroll
    for (int j = 0; j < B; ++j) {
      cv[j] = nv[j];
      cp[j] = np[j];
      ca[j] = na[j];
      cb[j] = nb[j];
      cz[j] = nz[j];
    }
  }
