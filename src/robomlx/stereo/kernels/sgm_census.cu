// SPDX-License-Identifier: Apache-2.0
// Part of the SGM GPU twin (launched by sgm_gpu.cpp); same integer costs and float formulas as
// the portable path (sgm_internal.h).
// Census of both images. Inputs: left, right float [H, W]. Outputs: cl, cr uint64 [H, W].
// Template: H, W, CW, CH.

  const int idx = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (idx >= H * W) return;
  const int y = idx / W, x = idx % W;
  const float c_l = left[idx], c_r = right[idx];
  uint64_t bl = 0, br = 0;
  int b = 0;
  for (int dy = -(CH / 2); dy <= CH / 2; ++dy) {
    const int yy = min(max(y + dy, 0), H - 1);
    for (int dx = -(CW / 2); dx <= CW / 2; ++dx) {
      if (dy == 0 && dx == 0) continue;
      const int j = yy * W + min(max(x + dx, 0), W - 1);
      bl |= (uint64_t)(left[j] < c_l) << b;
      br |= (uint64_t)(right[j] < c_r) << b;
      ++b;
    }
  }
  cl[idx] = bl;
  cr[idx] = br;
