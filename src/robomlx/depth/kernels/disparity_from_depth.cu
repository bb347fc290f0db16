// SPDX-License-Identifier: Apache-2.0
// Depth to disparity (launched by disparity_cuda.cpp), one thread per pixel: inp uint16 [h, w] ->
// out float32, k / z, 0 where z = 0. K_BITS: float bits of k (template constant).

  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (long long)inp_shape[0] * inp_shape[1]) return;
  const uint16_t z = inp[i];
  out[i] = z == 0 ? 0.0f : __fdiv_rn(__int_as_float(K_BITS), (float)z);
