// SPDX-License-Identifier: Apache-2.0
// Disparity to depth (launched by disparity_gpu.cpp), one thread per pixel: inp float32 [h, w] ->
// out uint16: std::isnormal(d) ? uint16(int32(k / d + 0.5f)) : 0, the int32 conversion saturated
// as x86's. K_BITS: float bits of k (template constant).

  const int64_t i = (int64_t)RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  if (i >= (int64_t)inp_shape[0] * inp_shape[1]) return;
  const float d = inp[i];
  const float a = fabs(d);
  float v = rm_fadd_rn(rm_fdiv_rn(rm_int_as_float(K_BITS), d), 0.5f);
  v = v < -2147483648.0f ? -2147483648.0f : v;
  v = v > 2147483520.0f ? 2147483520.0f : v;
  const bool normal = a >= rm_int_as_float(0x00800000) && a < rm_int_as_float(0x7f800000);
  out[i] = normal ? (uint16_t)(int)v : (uint16_t)0;
