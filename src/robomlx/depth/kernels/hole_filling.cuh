// SPDX-License-Identifier: Apache-2.0
// Device helpers of the hole-filling kernels (their fast::cuda_kernel header, in
// hole_filling_cuda.cpp): emptiness (float: bit pattern 0) and warp shuffles for uint16 and
// float values.

template <typename T> __device__ inline bool rs_empty(T v) { return v == T(0); }
template <> __device__ inline bool rs_empty<float>(float v) { return __float_as_int(v) == 0; }
// Lane - 1's value (uint16 travels as int).
template <typename T> __device__ inline T rs_shfl_up(T v) { return (T)__shfl_up_sync(0xffffffffu, (int)v, 1); }
template <> __device__ inline float rs_shfl_up<float>(float v) { return __shfl_up_sync(0xffffffffu, v, 1); }
// Lane src's value.
template <typename T> __device__ inline T rs_shfl(T v, int src) { return (T)__shfl_sync(0xffffffffu, (int)v, src); }
template <> __device__ inline float rs_shfl<float>(float v, int src) { return __shfl_sync(0xffffffffu, v, src); }
