// SPDX-License-Identifier: Apache-2.0
// Depth to disparity (launched by disparity_gpu.cpp), one thread per pixel: inp uint16 [h, w] ->
// out float32, k / z, 0 where z = 0. K_BITS: float bits of k (template constant).

  const int64_t i = (int64_t)RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (i >= (int64_t)inp_shape[0] * inp_shape[1]) return;
  const uint16_t z = inp[i];
  out[i] = z == 0 ? 0.0f : rm_fdiv_rn(rm_int_as_float(K_BITS), (float)z);
