// SPDX-License-Identifier: Apache-2.0
// Spatial filter, float hole filling (up to RADIUS): left->right then right->left along every row
// (launched by spatial_filter_gpu.cpp; header: line_walk.cuh + spatial_filter.cuh).
// Input inp, output out: float32 [h, w].
// Template constants: ALPHA_BITS, KEEP_BITS (float bits of alpha, 1 - alpha), DELTA, RADIUS.
// Launch: one thread per row, 32-thread blocks.

  const int h = inp_shape[0], w = inp_shape[1];
  const int y = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (y >= h) return;
  const bool vin = rs_vec_ok(inp, w), vout = rs_vec_ok(out, w);
  // Filling never changes a row's first pixel, so the next row's is read from the input.
  const float next_first = y + 1 < h ? inp[(int64_t)(y + 1) * w] : 0.0f;
  RsFillLeft left{(unsigned int)RADIUS};
  rs_line_pass<true, false, float>(inp, out, h, w, y, vin, vout, left);
  RsFillRight right{(unsigned int)RADIUS, 0u, 0.0f, next_first};
  rs_line_pass<true, true, float>(out, out, h, w, y, vout, vout, right);
