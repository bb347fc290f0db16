// SPDX-License-Identifier: Apache-2.0
// splat.blend backward (launched by blend_tiles_gpu.cpp), graphdeco's backward renderCUDA: the
// forward's tiling (one 256-thread group per 16x16 tile, one thread per pixel). Each tile's list
// is walked back to front from the block's largest n_contrib, in batches of 256 staged in shared
// memory (id, mean, conic, opacity, color, inverse depth). Per pixel, from T = T_final, each entry
// at or before the pixel's last contributor that passes the forward's tests divides T by
// (1 - alpha) and yields its gradients; a running "colour behind" (and inverse depth behind)
// gives d loss / d alpha, plus the background and alpha-image terms through T_final; the 0.99
// clamp is passed through (d alpha / d (opacity G) = 1).
// Inputs: the forward's seven operands, size int32 [2] (W, H), background float32 [3], final_t
// [H, W], n_contrib [H, W] int32, d_color [3, H, W], d_inv_depth [1, H, W], d_alpha [1, H, W].
// Outputs (zero-initialised, atomically added): g_means2d [N, 2], g_conics [N, 3],
// g_opacities [N], g_colors [N, 3], g_inv_depths [N].
// The 32 pixels of a warp meet the same Gaussian at the same step: their 10 gradient values are
// summed by shuffles and one lane adds them (10 atomics per warp and Gaussian, not per pixel);
// a warp none of whose pixels uses the Gaussian skips it after one ballot.

  RM_SHARED int s_id[256];
  RM_SHARED float s_mean[2 * 256];
  RM_SHARED float s_co[4 * 256];  // conic a, b, c, opacity
  RM_SHARED float s_cd[4 * 256];  // color r, g, b, inverse depth
  RM_SHARED int s_max[8];
  const int W = size[0], H = size[1];
  const int tid = RM_THREAD_IDX.x, lane = tid & 31;
  const int tiles_x = (W + 15) / 16;
  const int tile = (int)RM_BLOCK_IDX.y * tiles_x + (int)RM_BLOCK_IDX.x;
  const int x = (int)RM_BLOCK_IDX.x * 16 + (tid & 15), y = (int)RM_BLOCK_IDX.y * 16 + (tid >> 4);
  const bool inside = x < W && y < H;
  const int start = tile_ranges[2 * tile];
  const float px = (float)x, py = (float)y;
  const int plane = W * H, p = inside ? y * W + x : 0;
  const int last = inside ? n_contrib[p] : 0;
  const float t_final = inside ? final_t[p] : 0.0f;
  const float dc0 = inside ? d_color[p] : 0.0f, dc1 = inside ? d_color[plane + p] : 0.0f;
  const float dc2 = inside ? d_color[2 * plane + p] : 0.0f, dd = inside ? d_inv_depth[p] : 0.0f;
  // Moving the final transmittance moves the background and the alpha image.
  const float d_tfinal =
      (inside ? d_alpha[p] : 0.0f) - (background[0] * dc0 + background[1] * dc1 + background[2] * dc2);
  int m = last;
  for (int o = 16; o >= 1; o >>= 1) m = max(m, rm_shfl_xor(m, o));
  if (lane == 0) s_max[tid >> 5] = m;
  rm_barrier();
  int max_last = 0;
  for (int w = 0; w < 8; ++w) max_last = max(max_last, s_max[w]);
  float T = t_final, bc0 = 0.0f, bc1 = 0.0f, bc2 = 0.0f, bd = 0.0f;
  for (int hi = max_last; hi > 0; hi -= 256) {  // list positions [hi - n, hi), taken from the back
    const int n = min(256, hi);
    rm_barrier();  // every thread is done with the previous batch
    if (tid < n) {
      const int id = point_list[start + hi - 1 - tid];
      s_id[tid] = id;
      s_mean[2 * tid] = means2d[2 * id];
      s_mean[2 * tid + 1] = means2d[2 * id + 1];
      s_co[4 * tid] = conics[3 * id];
      s_co[4 * tid + 1] = conics[3 * id + 1];
      s_co[4 * tid + 2] = conics[3 * id + 2];
      s_co[4 * tid + 3] = opacities[id];
      s_cd[4 * tid] = colors[3 * id];
      s_cd[4 * tid + 1] = colors[3 * id + 1];
      s_cd[4 * tid + 2] = colors[3 * id + 2];
      s_cd[4 * tid + 3] = inv_depths[id];
    }
    rm_barrier();
    for (int k = 0; k < n; ++k) {
      float al = 0.0f, g = 0.0f, dx = 0.0f, dy = 0.0f;
      const bool hit = hi - 1 - k < last &&
                       blend_alpha(s_mean[2 * k], s_mean[2 * k + 1], s_co[4 * k], s_co[4 * k + 1], s_co[4 * k + 2],
                                   s_co[4 * k + 3], px, py, al, g, dx, dy);
      if (rm_ballot(hit) == 0u) continue;  // the same for the whole warp
      float v[10];
#pragma unroll
      for (int i = 0; i < 10; ++i) v[i] = 0.0f;
      if (hit) {
        const float keep = 1.0f - al;
        T = T / keep;  // transmittance in front of this Gaussian
        const float cr = s_cd[4 * k], cg = s_cd[4 * k + 1], cb = s_cd[4 * k + 2], inv_d = s_cd[4 * k + 3];
        float dl_dalpha = (cr - bc0) * dc0;
        dl_dalpha += (cg - bc1) * dc1;
        dl_dalpha += (cb - bc2) * dc2;
        dl_dalpha += (inv_d - bd) * dd;
        v[6] = al * T * dc0;
        v[7] = al * T * dc1;
        v[8] = al * T * dc2;
        v[9] = al * T * dd;
        bc0 = al * cr + keep * bc0;
        bc1 = al * cg + keep * bc1;
        bc2 = al * cb + keep * bc2;
        bd = al * inv_d + keep * bd;
        dl_dalpha = dl_dalpha * T + d_tfinal * t_final / keep;
        const float a = s_co[4 * k], b = s_co[4 * k + 1], c = s_co[4 * k + 2];
        const float dl_dpower = g * (s_co[4 * k + 3] * dl_dalpha);
        v[0] = dl_dpower * (-a * dx - b * dy);
        v[1] = dl_dpower * (-c * dy - b * dx);
        v[2] = -0.5f * dx * dx * dl_dpower;
        v[3] = -dx * dy * dl_dpower;
        v[4] = -0.5f * dy * dy * dl_dpower;
        v[5] = g * dl_dalpha;
      }
#pragma unroll
      for (int i = 0; i < 10; ++i) {
        for (int o = 16; o >= 1; o >>= 1) v[i] += rm_shfl_xor(v[i], o);
      }
      if (lane == 0) {
        const int id = s_id[k];
        rm_atomic_add(g_means2d + 2 * id, v[0]);
        rm_atomic_add(g_means2d + 2 * id + 1, v[1]);
        rm_atomic_add(g_conics + 3 * id, v[2]);
        rm_atomic_add(g_conics + 3 * id + 1, v[3]);
        rm_atomic_add(g_conics + 3 * id + 2, v[4]);
        rm_atomic_add(g_opacities + id, v[5]);
        rm_atomic_add(g_colors + 3 * id, v[6]);
        rm_atomic_add(g_colors + 3 * id + 1, v[7]);
        rm_atomic_add(g_colors + 3 * id + 2, v[8]);
        rm_atomic_add(g_inv_depths + id, v[9]);
      }
    }
  }
