// SPDX-License-Identifier: Apache-2.0
// Disparity to depth (launched by disparity_cuda.cpp), one thread per pixel: inp float32 [h, w] ->
// out uint16: std::isnormal(d) ? uint16(int32(k / d + 0.5f)) : 0, the int32 conversion saturated
// as x86's. K_BITS: float bits of k (template constant).

  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (long long)inp_shape[0] * inp_shape[1]) return;
  const float d = inp[i];
  const float a = fabsf(d);
  float v = __fadd_rn(__fdiv_rn(__int_as_float(K_BITS), d), 0.5f);
  v = v < -2147483648.0f ? -2147483648.0f : v;
  v = v > 2147483520.0f ? 2147483520.0f : v;
  const bool normal = a >= __int_as_float(0x00800000) && a < __int_as_float(0x7f800000);
  out[i] = normal ? (uint16_t)(int)v : (uint16_t)0;
