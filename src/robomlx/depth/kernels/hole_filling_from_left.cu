// SPDX-License-Identifier: Apache-2.0
// Hole filling mode 0 (launched by hole_filling_gpu.cpp; header: hole_filling.cuh +
// line_walk.cuh + hole_filling_from_left_op.cuh). Input inp, output out [h, w] (uint16 or
// float32); V (template): register type, int32 for uint16. Launch: one thread per row, 32-thread blocks.

  const int h = inp_shape[0], w = inp_shape[1];
  const int y = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (y >= h) return;
  RsFromLeft<V> op;
  rs_line_pass<true, false, V>(inp, out, h, w, y, rs_vec_ok(inp, w), rs_vec_ok(out, w), op);
