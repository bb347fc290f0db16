// SPDX-License-Identifier: Apache-2.0
// Device helper of the radius-search kernels (their kernel header, neighbors_gpu.cpp):
// the squared distance with rm_fmul_rn/rm_fadd_rn, so no FMA contraction changes the inclusive
// boundary relative to the CPU paths.

template <typename P>
RM_FUNC float robomlx_d2(P p, int j, float qx, float qy, float qz) {
  float dx = rm_fsub_rn(p[3 * (int64_t)j], qx);
  float dy = rm_fsub_rn(p[3 * (int64_t)j + 1], qy);
  float dz = rm_fsub_rn(p[3 * (int64_t)j + 2], qz);
  return rm_fadd_rn(rm_fadd_rn(rm_fmul_rn(dx, dx), rm_fmul_rn(dy, dy)), rm_fmul_rn(dz, dz));
}
