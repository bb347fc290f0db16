// SPDX-License-Identifier: Apache-2.0
// Spatial filter, float columns: the forward then the backward recursion of every column
// (launched by spatial_filter_gpu.cpp; header: line_walk.cuh + spatial_filter.cuh).
// Input inp, output out: float32 [h, w].
// Template constants: ALPHA_BITS, KEEP_BITS (float bits of alpha, 1 - alpha), DELTA, RADIUS.
// Launch: one thread per column, 32-thread blocks.

  const int h = inp_shape[0], w = inp_shape[1];
  const int x = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (x >= w) return;
  RsFloatLine op{rm_int_as_float(ALPHA_BITS), rm_int_as_float(KEEP_BITS), (float)DELTA};
  rs_line_pass<false, false, float>(inp, out, h, w, x, false, false, op);
  rs_line_pass<false, true, float>(out, out, h, w, x, false, false, op);
