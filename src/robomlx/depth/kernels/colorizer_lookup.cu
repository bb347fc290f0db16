// SPDX-License-Identifier: Apache-2.0
// Colorizer lookup (launched by colorizer_gpu.cpp; header: colorizer.cuh), one thread per value.
// Inputs data [h, w] (uint16 or float32), hist, cum (inclusive cumsum of hist) int32 [65536],
// table uint8 [STEPS + 1, 3], params float32: units, lo, hi - lo (a cached array). Output out uint8
// [h, w, 3]. Template constants: N (values), STEPS, DISPARITY, EQUALIZE.

  const int i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (i >= N) return;
  const float x = (float)data[i];
  auto o = out + 3 * i;
  if (x == 0.0f) { o[0] = 0; o[1] = 0; o[2] = 0; return; }
  float f;
  if (EQUALIZE) {
    const int b = robomlx_bin(x);
    const int h0 = hist[0];
    const int c = b == 0 ? h0 : cum[b] - h0;
    f = rm_fdiv_rn((float)c, (float)(cum[65535] - h0));
  } else if (DISPARITY) {
    f = rm_fdiv_rn(rm_fsub_rn(x, params[1]), params[2]);
  } else if (params[2] <= 0.0f) {
    f = 0.0f;
  } else {
    f = rm_fdiv_rn(rm_fsub_rn(rm_fmul_rn(x, params[0]), params[1]), params[2]);
  }
  f = f > 1.0f ? 1.0f : f;
  f = f > 0.0f ? f : 0.0f;
  const int k = (int)rm_fmul_rn(f, (float)STEPS);
  o[0] = table[3 * k]; o[1] = table[3 * k + 1]; o[2] = table[3 * k + 2];
