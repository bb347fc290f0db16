// SPDX-License-Identifier: Apache-2.0
// Part of the SGM GPU twin (launched by sgm_gpu.cpp); same integer costs and float formulas as
// the portable path (sgm_internal.h).
// Right-view WTA, LR check. One thread per pixel. Inputs: s uint16 [H, W, D], disp float,
// kbest int32, conf float ([H, W]). Outputs: disp_lr, conf_lr float [H, W].
// Template: H, W, D, MIN_D, LR_PLUS_1 (max |k - kR| plus one; 0 disables the check; template
// values end up in the kernel name, so they must not be negative).

  const int idx = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (idx >= H * W) return;
  const int y = idx / W, x = idx % W;
  float d = disp[idx], cf = conf[idx];
  if ((LR_PLUS_1 - 1) >= 0 && d >= 0.f) {
    const int k1 = kbest[idx];
    const int xm = x - MIN_D - k1;
    bool ok = xm >= 0 && xm < W;
    if (ok) {
      unsigned best = 1u << 30;
      int kr = 0;
      for (int k = 0; k < D; ++k) {
        const int xl = xm + MIN_D + k;
        if (xl >= W) break;
        const unsigned v = s[((size_t)y * W + xl) * D + k];
        if (v < best) { best = v; kr = k; }
      }
      ok = abs(kr - k1) <= (LR_PLUS_1 - 1);
    }
    if (!ok) { d = -1.f; cf = 0.f; }
  }
  disp_lr[idx] = d;
  conf_lr[idx] = cf;
