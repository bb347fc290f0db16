// SPDX-License-Identifier: Apache-2.0
// Part of the SGM GPU twin (launched by sgm_gpu.cpp); same integer costs and float formulas as
// the portable path (sgm_internal.h).
// Median of the MS x MS window (edge-clamped; invalid -1 counts as a value), then confidence 0
// where the result is invalid. Inputs: disp, conf float [H, W]. Outputs: disp_med, conf_med.
// Template: H, W, MS.

  const int idx = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (idx >= H * W) return;
  const int y = idx / W, x = idx % W;
  float v[MS * MS];
  int n = 0;
  for (int dy = -(MS / 2); dy <= MS / 2; ++dy)
    for (int dx = -(MS / 2); dx <= MS / 2; ++dx)
      v[n++] = disp[min(max(y + dy, 0), H - 1) * W + min(max(x + dx, 0), W - 1)];
  for (int i = 1; i < MS * MS; ++i) {
    const float t = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > t) { v[j + 1] = v[j]; --j; }
    v[j + 1] = t;
  }
  const float m = v[MS * MS / 2];
  disp_med[idx] = m;
  conf_med[idx] = m >= 0.f ? conf[idx] : 0.f;
