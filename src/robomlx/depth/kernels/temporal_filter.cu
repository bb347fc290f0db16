// SPDX-License-Identifier: Apache-2.0
// Temporal filter (launched by temporal_filter_cuda.cpp), one thread per pixel. Inputs frame, last
// (T [h, w]), history uint8 [h, w], table uint8 [256] (persistence), params float32: alpha,
// 1 - alpha, delta, phase. Outputs out, new_last (T), new_history (uint8). T: frame element type
// (uint16 or float32). __fmul_rn/__fadd_rn keep NVRTC from contracting the blend into an FMA.

  long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  long long n = (long long)frame_shape[0] * frame_shape[1];
  if (i >= n) return;
  unsigned char mask = (unsigned char)(1u << (int)params[3]);
  T c = frame[i], l = last[i];
  unsigned char h = history[i];
  T o = c;
  if (c != T(0)) {
    if (l != T(0) && fabsf(__fsub_rn((float)c, (float)l)) < params[2]) {
      float filtered = __fadd_rn(__fmul_rn(params[0], (float)c), __fmul_rn(params[1], (float)l));
      o = l = (T)filtered;
      h |= mask;
    } else {
      l = c;
      h = mask;
    }
  } else {
    if (l != T(0) && table[h]) o = l;
    h &= (unsigned char)~mask;
  }
  out[i] = o;
  new_last[i] = l;
  new_history[i] = h;
