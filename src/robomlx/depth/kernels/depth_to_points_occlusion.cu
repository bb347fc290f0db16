// SPDX-License-Identifier: Apache-2.0
// Depth to points, occlusion removal (launched by depth_to_points_cuda.cpp): inputs depth uint16,
// vertices [h, w, 3], pixel_x [h, w]; output out [h, w, 3]. Template constants H, W.
// One thread per row: occlusion-filter.cpp's scan, copying the row's vertices with drops zeroed.
// The inputs are not written here, so the next B columns are fetched into registers while the
// current B are scanned (the scan's latency is then the arithmetic, not the loads).

  constexpr int B = 16;
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= H) return;
  const long long row = (long long)y * W;
  float max_x = -1.0f, max_z = 0.0f;
  int dilation = 0;
  bool cv[B], nv[B];
  float cp[B], ca[B], cb[B], cz[B], np[B], na[B], nb[B], nz[B];
  // Columns [x0, x0 + B) into registers (past the row's end: invalid, zeros).
  auto fetch = [&](int x0, bool (&v)[B], float (&p)[B], float (&a)[B], float (&b)[B], float (&z)[B]) {
#pragma unroll
    for (int j = 0; j < B; ++j) {
      const int x = x0 + j;
      const bool ok = x < W;
      v[j] = ok && depth[row + x] != 0;
      p[j] = ok ? pixel_x[row + x] : 0.0f;
      a[j] = ok ? vertices[3 * (row + x)] : 0.0f;
      b[j] = ok ? vertices[3 * (row + x) + 1] : 0.0f;
      z[j] = ok ? vertices[3 * (row + x) + 2] : 0.0f;
    }
  };
  fetch(0, cv, cp, ca, cb, cz);
  for (int x0 = 0; x0 < W; x0 += B) {
    fetch(x0 + B, nv, np, na, nb, nz);
#pragma unroll
    for (int j = 0; j < B; ++j) {
      const int x = x0 + j;
      if (x < W) {
        const long long i = row + x;
        bool drop = false;
        if (cv[j]) {
          const float px = cp[j], c = cz[j];
          if (px < max_x || (px == max_x && __fsub_rn(c, max_z) > 0.1f)) {
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
