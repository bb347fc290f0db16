// SPDX-License-Identifier: Apache-2.0
// Spatial filter, float rows: the forward then the backward recursion of every row
// (launched by spatial_filter_gpu.cpp; header: line_walk.cuh + spatial_filter.cuh).
// Input inp, output out: float32 [h, w].
// Template constants: ALPHA_BITS, KEEP_BITS (float bits of alpha, 1 - alpha), DELTA, RADIUS.
// Launch: one thread per row, 32-thread blocks.

  const int h = inp_shape[0], w = inp_shape[1];
  const int y = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (y >= h) return;
  const bool vin = rs_vec_ok(inp, w), vout = rs_vec_ok(out, w);
  RsFloatLine op{rm_int_as_float(ALPHA_BITS), rm_int_as_float(KEEP_BITS), (float)DELTA};
  rs_line_pass<true, false, float>(inp, out, h, w, y, vin, vout, op);
  rs_line_pass<true, true, float>(out, out, h, w, y, vout, vout, op);
