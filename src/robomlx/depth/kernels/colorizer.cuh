// SPDX-License-Identifier: Apache-2.0
// Device helper of the colorizer kernels (their kernel header, colorizer_gpu.cpp):
// (int) of the value kept inside the 65536-bin table, NaN -> 0 (as the portable path).

RM_FUNC int robomlx_bin(float x) {
  if (isnan(x)) return 0;
  return (int)fmin(fmax(x, 0.0f), 65535.0f);
}
