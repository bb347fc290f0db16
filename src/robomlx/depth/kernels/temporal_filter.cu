// SPDX-License-Identifier: Apache-2.0
// Temporal filter (launched by temporal_filter_gpu.cpp), one thread per pixel. Inputs frame, last
// (T [h, w]), history uint8 [h, w], table uint8 [256] (persistence), params float32: alpha,
// 1 - alpha, delta, phase. Outputs out, new_last (T), new_history (uint8). T: frame element type
// (uint16 or float32). rm_fmul_rn/rm_fadd_rn keep NVRTC from contracting the blend into an FMA.

  int64_t i = (int64_t)RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  int64_t n = (int64_t)frame_shape[0] * frame_shape[1];
  if (i >= n) return;
  uint8_t mask = (uint8_t)(1u << (int)params[3]);
  T c = frame[i], l = last[i];
  uint8_t h = history[i];
  T o = c;
  if (c != T(0)) {
    if (l != T(0) && fabs(rm_fsub_rn((float)c, (float)l)) < params[2]) {
      float filtered = rm_fadd_rn(rm_fmul_rn(params[0], (float)c), rm_fmul_rn(params[1], (float)l));
      o = l = (T)filtered;
      h |= mask;
    } else {
      l = c;
      h = mask;
    }
  } else {
    if (l != T(0) && table[h]) o = l;
    h &= (uint8_t)~mask;
  }
  out[i] = o;
  new_last[i] = l;
  new_history[i] = h;
