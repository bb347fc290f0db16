// SPDX-License-Identifier: Apache-2.0
// Device helper of the radius-search kernels (their fast::cuda_kernel header, neighbors_cuda.cpp):
// the squared distance with __fmul_rn/__fadd_rn, so no FMA contraction changes the inclusive
// boundary relative to the CPU paths.

__device__ inline float robomlx_d2(const float* p, int j, float qx, float qy, float qz) {
  float dx = __fsub_rn(p[3 * (long long)j], qx);
  float dy = __fsub_rn(p[3 * (long long)j + 1], qy);
  float dz = __fsub_rn(p[3 * (long long)j + 2], qz);
  return __fadd_rn(__fadd_rn(__fmul_rn(dx, dx), __fmul_rn(dy, dy)), __fmul_rn(dz, dz));
}
