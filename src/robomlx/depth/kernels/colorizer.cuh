// SPDX-License-Identifier: Apache-2.0
// Device helper of the colorizer kernels (their fast::cuda_kernel header, colorizer_cuda.cpp):
// (int) of the value kept inside the 65536-bin table, NaN -> 0 (as the portable path).

__device__ inline int robomlx_bin(float x) {
  if (isnan(x)) return 0;
  return (int)fminf(fmaxf(x, 0.0f), 65535.0f);
}
