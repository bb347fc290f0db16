// SPDX-License-Identifier: Apache-2.0
// Depth to points, per pixel (launched by depth_to_points_gpu.cpp): inputs depth uint16, rays_x,
// rays_y float32 [h, w], params float32: units, r[9] (column major), t[3], fx, fy, ppx, ppy, width,
// height (a cached array). Outputs vertices [h, w, 3], texcoords [h, w, 2], pixel_x [h, w] (the
// color-image column, for the occlusion scan). Template constants: N (pixels), TEXTURE.

  const int i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (i >= N) return;
  const float z = rm_fmul_rn((float)depth[i], params[0]);
  float vx = rm_fmul_rn(z, rays_x[i]), vy = rm_fmul_rn(z, rays_y[i]), vz = z;
  float u = 0.0f, v = 0.0f, px = 0.0f;
  if (TEXTURE) {
    if (depth[i] == 0) {
      vx = 0.0f; vy = 0.0f; vz = 0.0f;
    } else {
      auto r = params + 1;
      auto t = params + 10;
      const float X = rm_fadd_rn(rm_fmul_rn(r[0], vx), rm_fadd_rn(rm_fmul_rn(r[3], vy), rm_fadd_rn(rm_fmul_rn(r[6], z), t[0])));
      const float Y = rm_fadd_rn(rm_fmul_rn(r[1], vx), rm_fadd_rn(rm_fmul_rn(r[4], vy), rm_fadd_rn(rm_fmul_rn(r[7], z), t[1])));
      const float Z = rm_fadd_rn(rm_fmul_rn(r[2], vx), rm_fadd_rn(rm_fmul_rn(r[5], vy), rm_fadd_rn(rm_fmul_rn(r[8], z), t[2])));
      px = rm_fadd_rn(rm_fmul_rn(rm_fdiv_rn(X, Z), params[13]), params[15]);
      const float py = rm_fadd_rn(rm_fmul_rn(rm_fdiv_rn(Y, Z), params[14]), params[16]);
      u = rm_fdiv_rn(px, params[17]);
      v = rm_fdiv_rn(py, params[18]);
    }
  }
  vertices[3 * i] = vx; vertices[3 * i + 1] = vy; vertices[3 * i + 2] = vz;
  texcoords[2 * i] = u; texcoords[2 * i + 1] = v;
  pixel_x[i] = px;
