// SPDX-License-Identifier: Apache-2.0
// Device helpers shared by the segment-reduction kernels (their fast::cuda_kernel header,
// segment_reduce_cuda.cpp and segment_reduce_tile_cuda.cpp): each op's identity, combine and final
// value. OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order); mean combines like sum and divides at
// the end.

template <int OP> __device__ inline float seg_init() {
  const float inf_ = __int_as_float(0x7f800000);
  return OP == 2 ? -inf_ : (OP == 3 ? inf_ : 0.f);
}
template <int OP> __device__ inline float seg_combine(float u, float v) {
  if (OP == 2) return fmaxf(u, v);
  if (OP == 3) return fminf(u, v);
  return u + v;
}
// A segment's output from its combined values: mean divides by the length; empty segments are 0.
template <int OP> __device__ inline float seg_result(float acc, int len) {
  if (OP == 1 && len > 0) acc = acc / (float)len;
  return len > 0 ? acc : 0.f;
}
